#include "murr/api/flight/flight_wire.h"

namespace murr::flight {
namespace {

constexpr uint32_t kWireTypeLengthDelimited = 2;

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendBytesField(uint32_t field, std::string_view bytes, std::string* out) {
  AppendVarint((uint64_t{field} << 3) | kWireTypeLengthDelimited, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

size_t BytesFieldSize(uint32_t field, size_t length) {
  if (length == 0) return 0;
  return VarintSize((uint64_t{field} << 3) | kWireTypeLengthDelimited) + VarintSize(length) +
         length;
}

}  // namespace

void AppendFlightDataPrefix(std::string_view data_header, std::string_view app_metadata,
                            size_t body_length, std::string* out) {
  if (!data_header.empty()) AppendBytesField(kFlightDataHeaderField, data_header, out);
  if (!app_metadata.empty()) AppendBytesField(kFlightDataAppMetadataField, app_metadata, out);
  if (body_length > 0) {
    AppendVarint((uint64_t{kFlightDataBodyField} << 3) | kWireTypeLengthDelimited, out);
    AppendVarint(body_length, out);
  }
}

size_t FlightDataWireSize(size_t header_length, size_t app_metadata_length, size_t body_length) {
  return BytesFieldSize(kFlightDataHeaderField, header_length) +
         BytesFieldSize(kFlightDataAppMetadataField, app_metadata_length) +
         BytesFieldSize(kFlightDataBodyField, body_length);
}

}  // namespace murr::flight
