// Arrow IPC streaming format codec: bytes <-> murr::Batch, no I/O. Reads and writes the
// encapsulated message framing (0xFFFFFFFF continuation marker, int32 metadata length, flatbuffer
// Message, 8-byte aligned body), Schema and RecordBatch messages and the end-of-stream marker,
// for the types of murr::DataType. Metadata comes from our own .fbs files (codec/fbs/).
//
// Reading borrows column buffers from the input (sharing its owner) where their alignment
// allows and copies them otherwise; every column is validated before it is returned. Writing
// never copies column data: messages reference the batch's Buffers, and a stream is handed out
// as (pointer, length) slices for scatter-gather writes.
//
// Free functions are thread-safe. IpcMessage, IpcStreamParts and IpcStreamDecoder are plain
// values: share them read-only or use one per thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "murr/columnar/buffer.h"
#include "murr/columnar/column.h"
#include "murr/core/file_util.h"
#include "murr/core/status.h"

namespace murr {

// ---------------------------------------------------------------------------------------------
// Reading

// Reads a whole stream: Schema message, any number of RecordBatch messages, end-of-stream marker
// (required: a stream that stops without it is reported as truncated). Also accepts the legacy
// framing without the continuation marker. Column buffers borrow from `input` where aligned.
// Errors: InvalidArgument for malformed bytes, Unimplemented for valid Arrow that Murr does not
// support (dictionaries, compression, big-endian, other types), each naming what and where.
Result<std::vector<Batch>> ReadArrowIpcStream(const Buffer& input);

// The same, also returning the schema (which a stream without record batches still carries).
struct ArrowIpcContents {
  std::vector<Field> fields;
  std::vector<Batch> batches;
};
Result<ArrowIpcContents> ReadArrowIpcStreamContents(const Buffer& input);

// The top-level FixedSizeList fields of an encapsulated Schema message (the form pyarrow
// stores, base64-encoded, as a Parquet file's "ARROW:schema" metadata): (name, list size)
// pairs. Other fields, whatever their type, are ignored; malformed bytes are InvalidArgument.
Result<std::vector<std::pair<std::string, int32_t>>> ArrowSchemaFixedListSizes(
    std::string_view message);

// Decodes messages one at a time, for transports that frame messages themselves (Arrow Flight's
// FlightData carries the flatbuffer Message as data_header and the body as data_body).
class IpcStreamDecoder {
 public:
  // Decodes one message: `metadata` is the flatbuffer Message (it need not be aligned; it is
  // copied when it is not), `body` its body. The first message must be the Schema; each
  // RecordBatch message after it sets *batch (when `batch` is non-null); a Schema leaves it empty.
  Status Consume(std::string_view metadata, const Buffer& body, std::optional<Batch>* batch);

  bool has_schema() const { return has_schema_; }
  const std::vector<Field>& fields() const { return fields_; }

 private:
  bool has_schema_ = false;
  std::vector<Field> fields_;
};

// ---------------------------------------------------------------------------------------------
// Writing

// Body buffers start at multiples of this and are zero-padded to it (the spec requires 8).
inline constexpr size_t kIpcBodyAlignment = 8;

// One encapsulated message. The body is body_buffers in order, each followed by zero padding up
// to a multiple of kIpcBodyAlignment; the buffer offsets in `metadata` point into that body. A
// batch with a Batch::block gives one body buffer, a slice of the block holding every column
// buffer where the gather put it; otherwise there is one body buffer per Arrow buffer.
struct IpcMessage {
  std::string metadata;              // the flatbuffer Message bytes, unpadded
  std::vector<Buffer> body_buffers;  // in order; they reference the batch's memory
  int64_t body_length = 0;           // bytes of the body, padding included

  // Bytes of the whole framed message: 8-byte prefix, metadata and its padding, body.
  size_t WireSize() const;
  // Zero bytes after the metadata so that prefix + metadata is a multiple of 8.
  size_t MetadataPadding() const;
  // Appends the framed message: `prefix` (filled here: continuation marker and metadata length;
  // it must stay in place while the slices are used), metadata, padding, then the body.
  void AppendSlices(std::array<uint8_t, 8>* prefix, std::vector<ConstSlice>* out) const;
  // Appends the body only (body buffers and their padding), e.g. for Flight's data_body.
  void AppendBodySlices(std::vector<ConstSlice>* out) const;
};

// A Schema message for `fields`.
IpcMessage EncodeSchemaMessage(const std::vector<Field>& fields);

// A RecordBatch message for rows [offset, offset + length) of `batch`. Fixed-width values and
// byte-aligned bitmaps are slices of the batch's buffers; bitmaps at other bit offsets are
// copied, and utf8 offsets are copied rebased to 0 (the string bytes are sliced). The batch must
// be structurally valid (fields match columns, every column has num_rows rows). The whole of a
// batch with a Batch::block is one body buffer (IpcMessage).
Result<IpcMessage> EncodeRecordBatchMessage(const Batch& batch, int64_t offset, int64_t length);
Result<IpcMessage> EncodeRecordBatchMessage(const Batch& batch);

// A stream ready for scatter-gather output: messages (Schema first), then end-of-stream.
// Slices() points into this object: keep it alive and unmoved while the slices are in use.
struct IpcStreamParts {
  std::vector<IpcMessage> messages;

  std::vector<ConstSlice> Slices();
  size_t WireSize() const;
  // The whole stream in one string (tests, small replies).
  std::string Concatenate() const;

 private:
  std::vector<std::array<uint8_t, 8>> prefixes_;
};

// Schema + the batch as RecordBatch messages whose bodies stay within `max_body_bytes` each
// (a message always holds at least one row, so a single huge row can exceed it; a zero-row batch
// gives one empty message). SIZE_MAX means one message for the whole batch.
Result<IpcStreamParts> EncodeArrowIpcStream(const Batch& batch, size_t max_body_bytes = SIZE_MAX);
// Schema from `fields`, then each batch (which must have those fields) as one message.
Result<IpcStreamParts> EncodeArrowIpcStream(const std::vector<Field>& fields,
                                            const std::vector<Batch>& batches);

// Convenience for tests and small replies: the whole stream for `batch` in one string. The batch
// must be valid (Batch::Validate); an invalid one gives an empty string.
std::string WriteArrowIpcStream(const Batch& batch);

}  // namespace murr
