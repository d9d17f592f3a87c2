// Hand encoding of Arrow Flight's FlightData protobuf message, for replies whose body is sent
// as referenced slices rather than copied into a protobuf object (see docs/decisions/, Flight).
// FlightData's fields on the wire: 2 data_header (bytes), 3 app_metadata (bytes), 1000 data_body
// (bytes), each as tag, varint length, bytes. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace murr::flight {

inline constexpr uint32_t kFlightDataHeaderField = 2;
inline constexpr uint32_t kFlightDataAppMetadataField = 3;
inline constexpr uint32_t kFlightDataBodyField = 1000;

// Appends the encoding of a FlightData with `data_header` and `app_metadata` (each left out when
// empty), then, when body_length > 0, the tag and length of data_body: the caller sends exactly
// body_length body bytes right after these bytes to complete the message.
void AppendFlightDataPrefix(std::string_view data_header, std::string_view app_metadata,
                            size_t body_length, std::string* out);

// Bytes of the whole encoded FlightData (prefix + body).
size_t FlightDataWireSize(size_t header_length, size_t app_metadata_length, size_t body_length);

}  // namespace murr::flight
