// The Arrow IPC stream codec: round trips of every type, slicing and splitting, zero-copy
// behaviour, and rejection of malformed or unsupported input.
#include "murr/codec/arrow_ipc.h"

#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "codec/arrow_ipc_test_util.h"
#include "common/test_util.h"
#include "murr/codec/fbs/Message_generated.h"

namespace murr {
namespace {

namespace fb = ::murr::arrow_fb;
using testing::ExactBuffer;
using testing::ExpectSameBatch;
using testing::ExpectSameRows;
using testing::MisalignedBuffer;
using testing::RandomBatch;

bool Inside(const uint8_t* p, const Buffer& input) {
  return p >= input.data() && p < input.data() + input.size();
}

std::string StreamOf(const std::vector<Field>& fields, const std::vector<Batch>& batches) {
  auto parts = EncodeArrowIpcStream(fields, batches);
  EXPECT_TRUE(parts.ok()) << parts.status().ToString();
  return parts->Concatenate();
}

TEST(ArrowIpcTest, RoundTripsEveryTypeWithNulls) {
  std::mt19937_64 rng(1);
  Batch batch = RandomBatch(1000, rng);
  std::string bytes = WriteArrowIpcStream(batch);
  ASSERT_FALSE(bytes.empty());
  auto read = ReadArrowIpcStream(ExactBuffer(bytes));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  ExpectSameBatch(batch, (*read)[0]);
  // Nullability survives; non-null columns carry no bitmap.
  EXPECT_FALSE((*read)[0].fields[0].nullable);
  EXPECT_TRUE((*read)[0].columns[0].validity.empty());
}

TEST(ArrowIpcTest, BorrowsAlignedBuffersFromTheInput) {
  std::mt19937_64 rng(2);
  Batch batch = RandomBatch(100, rng);
  Buffer input = ExactBuffer(WriteArrowIpcStream(batch));
  std::weak_ptr<const void> owner = input.owner();
  std::vector<Batch> batches;
  {
    auto read = ReadArrowIpcStream(input);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    batches = std::move(*read);
  }
  const Batch& b = batches[0];
  for (size_t i = 0; i < b.columns.size(); ++i) {
    const Column& c = b.columns[i];
    EXPECT_TRUE(Inside(c.values.data(), input)) << b.fields[i].name;
    if (c.null_count > 0) {
      EXPECT_TRUE(Inside(c.validity.data(), input)) << b.fields[i].name;
    }
  }
  // The columns keep the input alive on their own.
  input = Buffer();
  EXPECT_FALSE(owner.expired());
  ExpectSameBatch(batch, b);
  batches.clear();
  EXPECT_TRUE(owner.expired());
}

TEST(ArrowIpcTest, CopiesMisalignedBuffers) {
  std::mt19937_64 rng(3);
  Batch batch = RandomBatch(77, rng);
  Buffer input = MisalignedBuffer(WriteArrowIpcStream(batch));
  auto read = ReadArrowIpcStream(input);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const Batch& b = (*read)[0];
  ExpectSameBatch(batch, b);
  for (const Column& c : b.columns) {
    if (c.type == DataType::kUtf8) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(c.values.data()) % 4, 0u);
    } else if (FixedWidth(c.type) > 1) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(c.values.data()) % FixedWidth(c.type), 0u);
      EXPECT_FALSE(Inside(c.values.data(), input));
    }
  }
}

TEST(ArrowIpcTest, SeveralBatchesInOneStream) {
  std::mt19937_64 rng(4);
  std::vector<Batch> batches = {RandomBatch(10, rng), RandomBatch(0, rng), RandomBatch(333, rng),
                                RandomBatch(1, rng)};
  auto contents = ReadArrowIpcStreamContents(ExactBuffer(StreamOf(batches[0].fields, batches)));
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(contents->fields, batches[0].fields);
  ASSERT_EQ(contents->batches.size(), batches.size());
  for (size_t i = 0; i < batches.size(); ++i) ExpectSameBatch(batches[i], contents->batches[i]);
}

TEST(ArrowIpcTest, SchemaOnlyStreamHasFieldsAndNoBatches) {
  std::vector<Field> fields = {{"id", DataType::kUtf8, false}, {"x", DataType::kFloat32, true}};
  auto contents = ReadArrowIpcStreamContents(ExactBuffer(StreamOf(fields, {})));
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(contents->fields, fields);
  EXPECT_TRUE(contents->batches.empty());
}

// Schema messages are remembered per thread by their fields (arrow_ipc_write.cc): fields that
// differ in any part (name, type, nullability, zone) get their own message, also after more
// distinct lists than the cache holds.
TEST(ArrowIpcTest, SchemaMessagesOfDifferentFieldsStayApartThroughTheCache) {
  std::vector<std::vector<Field>> lists;
  for (int i = 0; i < 20; ++i) {
    std::vector<Field> f = {{"id", DataType::kUtf8, false}};
    f.push_back(
        {"x" + std::to_string(i % 10), i % 2 ? DataType::kFloat32 : DataType::kInt64, i % 4 < 2});
    if (i >= 10) f.push_back({"t", DataType::kTimestampMs, true, i % 3 ? "UTC" : ""});
    lists.push_back(f);
  }
  for (int round = 0; round < 3; ++round) {
    for (const auto& fields : lists) {
      auto contents = ReadArrowIpcStreamContents(ExactBuffer(StreamOf(fields, {})));
      ASSERT_TRUE(contents.ok()) << contents.status().ToString();
      EXPECT_EQ(contents->fields, fields) << "round " << round;
      EXPECT_EQ(EncodeSchemaMessage(fields).metadata, EncodeSchemaMessage(fields).metadata);
    }
  }
}

TEST(ArrowIpcTest, ZeroRowBatch) {
  std::mt19937_64 rng(5);
  Batch batch = RandomBatch(0, rng);
  auto read = ReadArrowIpcStream(ExactBuffer(WriteArrowIpcStream(batch)));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].num_rows, 0);
  ExpectSameBatch(batch, (*read)[0]);
}

TEST(ArrowIpcTest, ZeroColumnBatchKeepsItsRowCount) {
  Batch batch;
  batch.num_rows = 5;
  auto read = ReadArrowIpcStream(ExactBuffer(WriteArrowIpcStream(batch)));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].num_rows, 5);
  EXPECT_TRUE((*read)[0].columns.empty());
}

TEST(ArrowIpcTest, RowRangesRoundTrip) {
  std::mt19937_64 rng(6);
  Batch batch = RandomBatch(203, rng, 0.3);
  IpcMessage schema = EncodeSchemaMessage(batch.fields);
  const std::pair<int64_t, int64_t> ranges[] = {{0, 203}, {0, 0},    {203, 0}, {1, 1},   {3, 17},
                                                {8, 64},  {13, 190}, {200, 3}, {7, 100}, {64, 139}};
  for (auto [offset, length] : ranges) {
    SCOPED_TRACE("rows " + std::to_string(offset) + "+" + std::to_string(length));
    auto msg = EncodeRecordBatchMessage(batch, offset, length);
    ASSERT_TRUE(msg.ok()) << msg.status().ToString();
    IpcStreamParts parts;
    parts.messages.push_back(schema);
    parts.messages.push_back(*msg);
    auto read = ReadArrowIpcStream(ExactBuffer(parts.Concatenate()));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_EQ(read->size(), 1u);
    ExpectSameRows(batch, offset, length, (*read)[0]);
  }
}

TEST(ArrowIpcTest, SlicesShareColumnMemoryAndRebaseUtf8Offsets) {
  std::mt19937_64 rng(7);
  Batch batch = RandomBatch(100, rng, 0.0);
  auto msg = EncodeRecordBatchMessage(batch, 10, 50);
  ASSERT_TRUE(msg.ok());
  // Buffers per field: validity + values (+ data for utf8); none of these columns has nulls.
  size_t bi = 0;
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    const Column& c = batch.columns[i];
    EXPECT_EQ(msg->body_buffers[bi].size(), 0u) << "no nulls: empty validity";
    const Buffer& values = msg->body_buffers[bi + 1];
    if (c.type == DataType::kUtf8) {
      EXPECT_NE(values.data(), c.values.data() + 40) << "offsets are rebased copies";
      EXPECT_EQ(values.as<int32_t>()[0], 0);
      const Buffer& data = msg->body_buffers[bi + 2];
      EXPECT_EQ(data.data(), c.data.data() + c.offsets()[10]) << "string bytes are a slice";
      bi += 3;
    } else if (c.type == DataType::kBool) {
      EXPECT_EQ(values.size(), 7u);  // bit offset 10 is not a byte boundary: shifted copy
      bi += 2;
    } else {
      EXPECT_EQ(values.data(), c.values.data() + 10 * FixedWidth(c.type)) << "a slice, no copy";
      EXPECT_EQ(values.size(), 50u * FixedWidth(c.type));
      bi += 2;
    }
  }
  EXPECT_EQ(bi, msg->body_buffers.size());
  // The whole batch goes out without a single copy.
  auto whole = EncodeRecordBatchMessage(batch);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->body_buffers[1].data(), batch.columns[0].values.data());
  EXPECT_EQ(whole->body_buffers[2].data(), batch.columns[0].data.data());
}

TEST(ArrowIpcTest, RejectsRowRangesOutsideTheBatch) {
  std::mt19937_64 rng(8);
  Batch batch = RandomBatch(10, rng);
  EXPECT_FALSE(EncodeRecordBatchMessage(batch, 5, 6).ok());
  EXPECT_FALSE(EncodeRecordBatchMessage(batch, -1, 2).ok());
  EXPECT_FALSE(EncodeRecordBatchMessage(batch, 11, 0).ok());
  EXPECT_FALSE(EncodeRecordBatchMessage(batch, 0, -1).ok());
  EXPECT_TRUE(EncodeRecordBatchMessage(batch, 10, 0).ok());
}

TEST(ArrowIpcTest, WriterRejectsMalformedBatches) {
  std::mt19937_64 rng(16);
  Batch batch = RandomBatch(10, rng);
  Batch short_values = batch;
  for (size_t i = 0; i < short_values.columns.size(); ++i) {
    if (short_values.columns[i].type == DataType::kInt64) {
      short_values.columns[i].values = short_values.columns[i].values.Slice(0, 72);
    }
  }
  EXPECT_FALSE(EncodeRecordBatchMessage(short_values).ok());
  EXPECT_EQ(WriteArrowIpcStream(short_values), "");
  Batch bad_offsets = batch;
  bad_offsets.columns[0].data = bad_offsets.columns[0].data.Slice(0, 0);
  if (bad_offsets.columns[0].offsets()[10] > 0) {
    EXPECT_FALSE(EncodeRecordBatchMessage(bad_offsets).ok());
  }
  Batch missing_column = batch;
  missing_column.columns.pop_back();
  EXPECT_FALSE(EncodeRecordBatchMessage(missing_column).ok());
  EXPECT_FALSE(EncodeArrowIpcStream(missing_column).ok());
}

TEST(ArrowIpcTest, SplitsLargeBatchesByBodySize) {
  std::mt19937_64 rng(9);
  Batch batch = RandomBatch(5000, rng);
  const size_t kMax = 16 * 1024;
  auto parts = EncodeArrowIpcStream(batch, kMax);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_GT(parts->messages.size(), 3u);
  for (size_t i = 1; i < parts->messages.size(); ++i) {
    EXPECT_LE(parts->messages[i].body_length, static_cast<int64_t>(kMax));
  }
  auto read = ReadArrowIpcStream(ExactBuffer(parts->Concatenate()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), parts->messages.size() - 1);
  int64_t offset = 0;
  for (const Batch& b : *read) {
    ExpectSameRows(batch, offset, b.num_rows, b);
    // Near-full messages: splitting does not produce many tiny ones.
    if (offset + b.num_rows < batch.num_rows) {
      EXPECT_GT(b.num_rows, 50);
    }
    offset += b.num_rows;
  }
  EXPECT_EQ(offset, batch.num_rows);
}

TEST(ArrowIpcTest, SlicesMatchTheConcatenatedStreamAndAreAligned) {
  std::mt19937_64 rng(10);
  Batch batch = RandomBatch(123, rng);
  auto parts = EncodeArrowIpcStream(batch, 2048);
  ASSERT_TRUE(parts.ok());
  std::vector<ConstSlice> slices = parts->Slices();
  std::string joined;
  for (const ConstSlice& s : slices) joined.append(static_cast<const char*>(s.data), s.size);
  EXPECT_EQ(joined, parts->Concatenate());
  EXPECT_EQ(joined.size(), parts->WireSize());
  EXPECT_EQ(joined.size() % 8, 0u);
  EXPECT_EQ(joined.substr(joined.size() - 8), std::string("\xFF\xFF\xFF\xFF\0\0\0\0", 8));
  // Every message starts 8-aligned, and its body too.
  size_t pos = 0;
  for (const IpcMessage& m : parts->messages) {
    EXPECT_EQ(pos % 8, 0u);
    EXPECT_EQ((8 + m.metadata.size() + m.MetadataPadding()) % 8, 0u);
    EXPECT_EQ(m.body_length % 8, 0);
    pos += m.WireSize();
  }
}

TEST(ArrowIpcTest, DecoderConsumesFlightStyleMessages) {
  std::mt19937_64 rng(11);
  Batch batch = RandomBatch(300, rng);
  auto parts = EncodeArrowIpcStream(batch, 4096);
  ASSERT_TRUE(parts.ok());
  IpcStreamDecoder decoder;
  int64_t offset = 0;
  for (size_t i = 0; i < parts->messages.size(); ++i) {
    const IpcMessage& m = parts->messages[i];
    std::vector<ConstSlice> body_slices;
    m.AppendBodySlices(&body_slices);
    std::string body;
    for (const ConstSlice& s : body_slices) body.append(static_cast<const char*>(s.data), s.size);
    ASSERT_EQ(static_cast<int64_t>(body.size()), m.body_length);
    // Metadata at an odd address: the decoder copies it before verifying.
    std::string metadata = " " + m.metadata;
    std::optional<Batch> out;
    Status st = decoder.Consume(std::string_view(metadata).substr(1), ExactBuffer(body), &out);
    ASSERT_TRUE(st.ok()) << st.ToString();
    if (i == 0) {
      EXPECT_FALSE(out.has_value());
      EXPECT_TRUE(decoder.has_schema());
      EXPECT_EQ(decoder.fields(), batch.fields);
    } else {
      ASSERT_TRUE(out.has_value());
      ExpectSameRows(batch, offset, out->num_rows, *out);
      offset += out->num_rows;
    }
  }
  EXPECT_EQ(offset, batch.num_rows);
}

// Rewrites a stream in the legacy framing (int32 length only, no continuation marker).
std::string ToLegacyFraming(const std::string& stream) {
  std::string out;
  size_t pos = 0;
  while (pos + 8 <= stream.size()) {
    int32_t len;
    std::memcpy(&len, stream.data() + pos + 4, 4);
    out.append(stream, pos + 4, 4);
    pos += 8;
    if (len == 0) break;
    auto* msg = fb::GetMessage(stream.data() + pos);
    size_t n = static_cast<size_t>(len) + static_cast<size_t>(msg->bodyLength());
    out.append(stream, pos, n);
    pos += n;
  }
  return out;
}

TEST(ArrowIpcTest, ReadsLegacyFraming) {
  std::mt19937_64 rng(12);
  std::vector<Batch> batches = {RandomBatch(40, rng), RandomBatch(9, rng)};
  std::string legacy = ToLegacyFraming(StreamOf(batches[0].fields, batches));
  ASSERT_EQ(legacy.substr(legacy.size() - 4), std::string(4, '\0'));
  auto read = ReadArrowIpcStream(ExactBuffer(legacy));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  ExpectSameBatch(batches[0], (*read)[0]);
  ExpectSameBatch(batches[1], (*read)[1]);
}

// ---------------------------------------------------------------------------------------------
// Malformed input

TEST(ArrowIpcTest, EveryTruncationIsAnError) {
  std::mt19937_64 rng(13);
  std::vector<Batch> batches = {RandomBatch(9, rng), RandomBatch(3, rng)};
  std::string stream = StreamOf(batches[0].fields, batches);
  for (size_t n = 0; n < stream.size(); ++n) {
    auto read = ReadArrowIpcStream(ExactBuffer(std::string_view(stream).substr(0, n)));
    EXPECT_FALSE(read.ok()) << "truncated at " << n;
    if (!read.ok()) {
      EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument) << n;
    }
  }
  EXPECT_TRUE(ReadArrowIpcStream(ExactBuffer(stream)).ok());
}

TEST(ArrowIpcTest, FlippedBytesNeverCrash) {
  std::mt19937_64 rng(14);
  std::vector<Batch> batches = {RandomBatch(20, rng), RandomBatch(5, rng)};
  std::string stream = StreamOf(batches[0].fields, batches);
  int rejected = 0;
  for (size_t pos = 0; pos < stream.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string bad = stream;
      bad[pos] = static_cast<char>(bad[pos] ^ mask);
      auto read = ReadArrowIpcStream(ExactBuffer(bad));
      if (!read.ok()) {
        ++rejected;
        continue;
      }
      // Whatever is accepted is internally consistent.
      for (const Batch& b : *read) EXPECT_TRUE(b.Validate().ok()) << "flip at " << pos;
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(ArrowIpcTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(15);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 300, '\0');
    for (char& ch : bytes) ch = static_cast<char>(rng());
    if (i % 2 == 0 && bytes.size() >= 8) std::memcpy(bytes.data(), "\xFF\xFF\xFF\xFF", 4);
    EXPECT_FALSE(ReadArrowIpcStream(ExactBuffer(bytes)).ok());
  }
}

// Hand-built messages for hostile metadata.
struct FieldSpec {
  std::string name;
  fb::Type type;
  int bit_width = 0;  // Int
  bool is_signed = true;
  fb::Precision precision = fb::Precision::DOUBLE;
  bool dictionary = false;
  bool nullable = true;
  std::vector<FieldSpec> children;  // List (and anything else given children)
};

std::string Finish(flatbuffers::FlatBufferBuilder& fbb, fb::MessageHeader type,
                   flatbuffers::Offset<void> header, int64_t body_length,
                   fb::MetadataVersion version = fb::MetadataVersion::V5) {
  fbb.Finish(fb::CreateMessage(fbb, version, type, header, body_length));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

flatbuffers::Offset<fb::Field> EncodeSpec(flatbuffers::FlatBufferBuilder& fbb, const FieldSpec& s) {
  std::vector<flatbuffers::Offset<fb::Field>> children;
  for (const FieldSpec& c : s.children) children.push_back(EncodeSpec(fbb, c));
  auto name = fbb.CreateString(s.name);
  flatbuffers::Offset<void> type;
  // The few Arrow types these hand-built schemas use; anything else is encoded as Null.
  if (s.type == fb::Type::Int) {
    type = fb::CreateInt(fbb, s.bit_width, s.is_signed).Union();
  } else if (s.type == fb::Type::FloatingPoint) {
    type = fb::CreateFloatingPoint(fbb, s.precision).Union();
  } else if (s.type == fb::Type::Utf8) {
    type = fb::CreateUtf8(fbb).Union();
  } else if (s.type == fb::Type::LargeUtf8) {
    type = fb::CreateLargeUtf8(fbb).Union();
  } else if (s.type == fb::Type::Timestamp) {
    type = fb::CreateTimestamp(fbb, fb::TimeUnit::MICROSECOND).Union();
  } else if (s.type == fb::Type::List) {
    type = fb::CreateList(fbb).Union();
  } else {
    type = fb::CreateNull(fbb).Union();
  }
  flatbuffers::Offset<fb::DictionaryEncoding> dict = 0;
  if (s.dictionary) dict = fb::CreateDictionaryEncoding(fbb, 0, fb::CreateInt(fbb, 32, true));
  return fb::CreateField(fbb, name, s.nullable, s.type, type, dict, fbb.CreateVector(children));
}

std::string SchemaMetadata(const std::vector<FieldSpec>& specs,
                           fb::Endianness endianness = fb::Endianness::Little) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fb::Field>> fields;
  for (const FieldSpec& s : specs) fields.push_back(EncodeSpec(fbb, s));
  auto schema = fb::CreateSchema(fbb, endianness, fbb.CreateVector(fields));
  return Finish(fbb, fb::MessageHeader::Schema, schema.Union(), 0);
}

struct BatchSpec {
  int64_t length = 0;
  std::vector<fb::FieldNode> nodes;
  std::vector<fb::Buffer> buffers;
  int64_t body_length = -1;  // -1: the actual body size
  bool compressed = false;
};

std::string RecordBatchMetadata(const BatchSpec& s, size_t body_size) {
  flatbuffers::FlatBufferBuilder fbb;
  flatbuffers::Offset<fb::BodyCompression> compression = 0;
  if (s.compressed) compression = fb::CreateBodyCompression(fbb, fb::CompressionType::ZSTD);
  auto rb = fb::CreateRecordBatch(fbb, s.length, fbb.CreateVectorOfStructs(s.nodes),
                                  fbb.CreateVectorOfStructs(s.buffers), compression);
  int64_t body_length = s.body_length >= 0 ? s.body_length : static_cast<int64_t>(body_size);
  return Finish(fbb, fb::MessageHeader::RecordBatch, rb.Union(), body_length);
}

std::string Frame(const std::string& metadata, const std::string& body = "") {
  std::string out("\xFF\xFF\xFF\xFF", 4);
  std::string padded = metadata;
  padded.resize((metadata.size() + 7) / 8 * 8, '\0');
  int32_t len = static_cast<int32_t>(padded.size());
  out.append(reinterpret_cast<const char*>(&len), 4);
  return out + padded + body;
}

const std::string kEos("\xFF\xFF\xFF\xFF\0\0\0\0", 8);

// A stream: schema of specs, one record batch with `batch` over `body`, end-of-stream.
Status ReadOne(const std::vector<FieldSpec>& specs, const BatchSpec& batch,
               const std::string& body) {
  std::string stream =
      Frame(SchemaMetadata(specs)) + Frame(RecordBatchMetadata(batch, body.size()), body) + kEos;
  return ReadArrowIpcStream(ExactBuffer(stream)).status();
}

std::string Bytes(const std::vector<int32_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

void ExpectError(const Status& st, StatusCode code, const std::string& needle) {
  EXPECT_EQ(st.code(), code) << st.ToString();
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.ToString();
}

const std::vector<FieldSpec> kInt32Field = {{"n", fb::Type::Int, 32}};

TEST(ArrowIpcMalformedTest, HandBuiltValidMessageIsAccepted) {
  // The baseline the other cases corrupt: 2 int32 rows, one null.
  std::string body = std::string("\x01\0\0\0\0\0\0\0", 8) + Bytes({7, 0});
  BatchSpec b{2, {{2, 1}}, {{0, 1}, {8, 8}}};
  std::string stream =
      Frame(SchemaMetadata(kInt32Field)) + Frame(RecordBatchMetadata(b, body.size()), body) + kEos;
  auto read = ReadArrowIpcStream(ExactBuffer(stream));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const Column& c = (*read)[0].columns[0];
  EXPECT_EQ(c.Value<int32_t>(0), 7);
  EXPECT_TRUE(c.IsNull(1));
}

TEST(ArrowIpcMalformedTest, HostileLengths) {
  std::string body(16, '\0');
  ExpectError(
      ReadOne(kInt32Field, {int64_t{1} << 62, {{int64_t{1} << 62, 0}}, {{0, 0}, {0, 16}}}, body),
      StatusCode::kInvalidArgument, "claims");
  ExpectError(ReadOne(kInt32Field, {-1, {{-1, 0}}, {{0, 0}, {0, 0}}}, body),
              StatusCode::kInvalidArgument, "negative length");
  ExpectError(ReadOne(kInt32Field, {4, {{3, 0}}, {{0, 0}, {0, 16}}}, body),
              StatusCode::kInvalidArgument, "3 rows in a record batch of 4");
  ExpectError(ReadOne(kInt32Field, {4, {{4, 5}}, {{0, 1}, {0, 16}}}, body),
              StatusCode::kInvalidArgument, "null count 5");
  ExpectError(ReadOne(kInt32Field, {4, {{4, -1}}, {{0, 1}, {0, 16}}}, body),
              StatusCode::kInvalidArgument, "null count -1");
  ExpectError(ReadOne(kInt32Field, {5, {{5, 0}}, {{0, 0}, {0, 16}}}, body),
              StatusCode::kInvalidArgument, "values buffer has 16 bytes, 20 needed");
  // The null count disagrees with the bitmap (all zero bits = 4 nulls).
  ExpectError(ReadOne(kInt32Field, {4, {{4, 1}}, {{0, 1}, {0, 16}}}, body),
              StatusCode::kInvalidArgument, "disagrees with the validity bitmap");
}

TEST(ArrowIpcMalformedTest, BuffersOutsideTheBody) {
  std::string body(16, '\0');
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 0}, {16, 8}}}, body),
              StatusCode::kInvalidArgument, "outside the message body");
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 0}, {-8, 8}}}, body),
              StatusCode::kInvalidArgument, "outside the message body");
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 0}, {0, -8}}}, body),
              StatusCode::kInvalidArgument, "outside the message body");
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 0}, {8, INT64_MAX}}}, body),
              StatusCode::kInvalidArgument, "outside the message body");
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{INT64_MAX, 1}, {0, 8}}}, body),
              StatusCode::kInvalidArgument, "outside the message body");
  // A body length beyond the stream.
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 0}, {0, 8}}, 1 << 30}, body),
              StatusCode::kInvalidArgument, "runs past the end of the stream");
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 0}, {0, 8}}, INT64_MAX}, body),
              StatusCode::kInvalidArgument, "runs past the end of the stream");
}

TEST(ArrowIpcMalformedTest, WrongNumbersOfNodesAndBuffers) {
  std::string body(16, '\0');
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}, {2, 0}}, {{0, 0}, {0, 8}}}, body),
              StatusCode::kInvalidArgument, "2 field nodes, the schema's fields need 1");
  ExpectError(ReadOne(kInt32Field, {2, {}, {{0, 0}, {0, 8}}}, body), StatusCode::kInvalidArgument,
              "0 field nodes");
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 0}, {0, 8}, {0, 0}}}, body),
              StatusCode::kInvalidArgument, "3 buffers, the schema's fields need 2");
  ExpectError(ReadOne(kInt32Field, {2, {{2, 0}}, {{0, 8}}}, body), StatusCode::kInvalidArgument,
              "1 buffers");
}

TEST(ArrowIpcMalformedTest, BadUtf8Offsets) {
  const std::vector<FieldSpec> s = {{"s", fb::Type::Utf8}};
  std::string data = "abcdefgh";
  auto run = [&](const std::vector<int32_t>& offsets) {
    std::string body = Bytes(offsets);
    body.resize(16, '\0');
    body += data;
    return ReadOne(s, {3, {{3, 0}}, {{0, 0}, {0, 16}, {16, 8}}}, body);
  };
  EXPECT_TRUE(run({0, 1, 2, 8}).ok());
  ExpectError(run({0, 5, 2, 8}), StatusCode::kInvalidArgument, "decrease");
  ExpectError(run({0, 1, 2, 9}), StatusCode::kInvalidArgument, "past the end");
  ExpectError(run({-1, 1, 2, 3}), StatusCode::kInvalidArgument, "negative");
  ExpectError(run({0, 1, INT32_MAX, 3}), StatusCode::kInvalidArgument, "decrease");
}

TEST(ArrowIpcMalformedTest, UnsupportedFeaturesNameTheFieldAndType) {
  std::string body(16, '\0');
  BatchSpec ok_batch{2, {{2, 0}}, {{0, 0}, {0, 8}}};
  ExpectError(ReadOne({{"when", fb::Type::Decimal}}, ok_batch, body), StatusCode::kUnimplemented,
              "field 'when' has Arrow type Decimal");
  ExpectError(ReadOne({{"big", fb::Type::LargeUtf8}}, ok_batch, body), StatusCode::kUnimplemented,
              "field 'big' has Arrow type LargeUtf8");
  ExpectError(
      ReadOne({{"cat", fb::Type::Utf8, 0, true, fb::Precision::DOUBLE, true}}, ok_batch, body),
      StatusCode::kUnimplemented, "field 'cat' is dictionary-encoded");
  ExpectError(ReadOne({{"odd", fb::Type::Int, 7}}, ok_batch, body), StatusCode::kInvalidArgument,
              "field 'odd' has an Int type of bit width 7");
  BatchSpec compressed = ok_batch;
  compressed.compressed = true;
  ExpectError(ReadOne(kInt32Field, compressed, body), StatusCode::kUnimplemented, "compressed");
  std::string big_endian = Frame(SchemaMetadata(kInt32Field, fb::Endianness::Big)) + kEos;
  ExpectError(ReadArrowIpcStream(ExactBuffer(big_endian)).status(), StatusCode::kUnimplemented,
              "big-endian");
  // A DictionaryBatch message.
  flatbuffers::FlatBufferBuilder fbb;
  auto dict = fb::CreateDictionaryBatch(fbb, 0);
  std::string dict_msg = Finish(fbb, fb::MessageHeader::DictionaryBatch, dict.Union(), 0);
  ExpectError(
      ReadArrowIpcStream(ExactBuffer(Frame(SchemaMetadata(kInt32Field)) + Frame(dict_msg) + kEos))
          .status(),
      StatusCode::kUnimplemented, "DictionaryBatch");
  // Old metadata versions.
  flatbuffers::FlatBufferBuilder fbb2;
  auto schema = fb::CreateSchema(fbb2);
  std::string v3 =
      Finish(fbb2, fb::MessageHeader::Schema, schema.Union(), 0, fb::MetadataVersion::V3);
  ExpectError(ReadArrowIpcStream(ExactBuffer(Frame(v3) + kEos)).status(),
              StatusCode::kUnimplemented, "version");
}

TEST(ArrowIpcMalformedTest, NullsInANonNullableField) {
  std::string body = std::string("\x01\0\0\0\0\0\0\0", 8) + Bytes({7, 0});
  std::vector<FieldSpec> s = {{"k", fb::Type::Int, 32, true, fb::Precision::DOUBLE, false, false}};
  ExpectError(ReadOne(s, {2, {{2, 1}}, {{0, 1}, {8, 8}}}, body), StatusCode::kInvalidArgument,
              "non-nullable");
}

TEST(ArrowIpcMalformedTest, FramingErrors) {
  std::string schema = Frame(SchemaMetadata(kInt32Field));
  std::string body(16, '\0');
  std::string batch = Frame(RecordBatchMetadata({2, {{2, 0}}, {{0, 0}, {0, 8}}}, 16), body);
  auto read = [](const std::string& s) { return ReadArrowIpcStream(ExactBuffer(s)).status(); };
  EXPECT_TRUE(read(schema + batch + kEos).ok());
  ExpectError(read(schema + batch), StatusCode::kInvalidArgument, "end-of-stream");
  ExpectError(read(schema + batch + kEos + "x"), StatusCode::kInvalidArgument,
              "after the Arrow IPC end-of-stream marker");
  ExpectError(read(batch + kEos), StatusCode::kInvalidArgument, "before the Schema");
  ExpectError(read(schema + schema + kEos), StatusCode::kInvalidArgument, "second Schema");
  ExpectError(read(kEos), StatusCode::kInvalidArgument, "no Schema");
  ExpectError(read(std::string("\xFF\xFF\xFF\xFF\xF0\xFF\xFF\x7F", 8) + std::string(64, '\0')),
              StatusCode::kInvalidArgument, "runs past the end");
  ExpectError(read(std::string("\xFF\xFF\xFF\xFF\x00\x00\x00\x80", 8) + std::string(64, '\0')),
              StatusCode::kInvalidArgument, "negative metadata length");
  // Metadata that is not a flatbuffer Message.
  ExpectError(read(Frame(std::string(32, '\x7F')) + kEos), StatusCode::kInvalidArgument,
              "not a valid flatbuffer");
}

// Seeds for fuzz/arrow_ipc_fuzz.cc; run by hand:
//   murr_codec_test --gtest_also_run_disabled_tests --gtest_filter='*WriteFuzzSeeds'
TEST(ArrowIpcTest, DISABLED_WriteFuzzSeeds) {
  std::string dir = testing::SourceDir() + "/fuzz/corpus/arrow_ipc";
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(42);
  std::vector<Batch> batches = {RandomBatch(5, rng), RandomBatch(0, rng), RandomBatch(3, rng)};
  testing::WriteStringToFile(dir + "/every_type.arrows", WriteArrowIpcStream(batches[0]));
  testing::WriteStringToFile(dir + "/several_batches.arrows", StreamOf(batches[0].fields, batches));
  testing::WriteStringToFile(dir + "/legacy_framing.arrows",
                             ToLegacyFraming(WriteArrowIpcStream(batches[2])));
  std::string body = std::string("\x01\0\0\0\0\0\0\0", 8) + Bytes({7, 0});
  testing::WriteStringToFile(
      dir + "/hand_built_int32.arrows",
      Frame(SchemaMetadata(kInt32Field)) +
          Frame(RecordBatchMetadata({2, {{2, 1}}, {{0, 1}, {8, 8}}}, body.size()), body) + kEos);
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

using testing::RandomColumn;

// A key column and a nullable list of every original scalar type.
Batch RandomListBatch(int64_t rows, std::mt19937_64& rng) {
  Batch batch;
  batch.num_rows = rows;
  batch.fields.push_back({"key", DataType::kUtf8, false});
  batch.columns.push_back(RandomColumn(DataType::kUtf8, rows, 0.0, rng));
  for (DataType t : testing::AllTypes()) {
    DataType list = DataType::List(t.id);
    batch.fields.push_back({"l_" + DataTypeName(t), list, true});
    batch.columns.push_back(RandomColumn(list, rows, 0.2, rng));
  }
  return batch;
}

TEST(ArrowIpcListTest, RoundTripsListsOfEveryScalarWithNullRowsAndItems) {
  std::mt19937_64 rng(31);
  Batch batch = RandomListBatch(300, rng);
  ASSERT_TRUE(batch.Validate().ok()) << batch.Validate().ToString();
  auto read = ReadArrowIpcStream(ExactBuffer(WriteArrowIpcStream(batch)));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  ExpectSameRows(batch, 0, batch.num_rows, (*read)[0]);
  // Item nulls survive as item nulls.
  const Column& ints = (*read)[0].columns[6];  // l_int64
  EXPECT_EQ(ints.type, DataType::List(TypeId::kInt64));
  EXPECT_EQ(ints.items().null_count, batch.columns[6].items().null_count);
  EXPECT_GT(ints.items().null_count, 0);
}

TEST(ArrowIpcListTest, RowRangesRebaseOffsetsAndSliceTheItems) {
  std::mt19937_64 rng(32);
  Batch batch = RandomListBatch(203, rng);
  IpcMessage schema = EncodeSchemaMessage(batch.fields);
  for (auto [offset, length] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 203}, {0, 0}, {203, 0}, {1, 1}, {3, 17}, {13, 190}, {200, 3}}) {
    SCOPED_TRACE("rows " + std::to_string(offset) + "+" + std::to_string(length));
    auto msg = EncodeRecordBatchMessage(batch, offset, length);
    ASSERT_TRUE(msg.ok()) << msg.status().ToString();
    IpcStreamParts parts;
    parts.messages.push_back(schema);
    parts.messages.push_back(*msg);
    auto read = ReadArrowIpcStream(ExactBuffer(parts.Concatenate()));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ExpectSameRows(batch, offset, length, (*read)[0]);
    for (const Column& c : (*read)[0].columns) {
      if (c.type.id == TypeId::kList) {
        EXPECT_EQ(c.offsets()[0], 0);
        EXPECT_EQ(c.items().length, c.offsets()[c.length]);  // only the range's items are sent
      }
    }
  }
  // Splitting by body size keeps every row.
  auto parts = EncodeArrowIpcStream(batch, 2048);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_GT(parts->messages.size(), 3u);
  auto read = ReadArrowIpcStream(ExactBuffer(parts->Concatenate()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  int64_t at = 0;
  for (const Batch& b : *read) {
    ExpectSameRows(batch, at, b.num_rows, b);
    at += b.num_rows;
  }
  EXPECT_EQ(at, batch.num_rows);
}

TEST(ArrowIpcListTest, ListOfTimestampsKeepsTheTimezone) {
  ColumnBuilder b(DataType::List(TypeId::kTimestampMs));
  b.items().Append<int64_t>(1700000000123);
  ASSERT_TRUE(b.AppendListEnd().ok());
  Batch batch;
  batch.num_rows = 1;
  batch.fields = {{"t", b.type(), true, "Europe/Paris"}};
  batch.columns = {b.Finish()};
  auto read = ReadArrowIpcStream(ExactBuffer(WriteArrowIpcStream(batch)));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ((*read)[0].fields[0].timezone, "Europe/Paris");
  EXPECT_EQ((*read)[0].columns[0].items().Value<int64_t>(0), 1700000000123);
}

const std::vector<FieldSpec> kListField = {{"l",
                                            fb::Type::List,
                                            0,
                                            true,
                                            fb::Precision::DOUBLE,
                                            false,
                                            true,
                                            {{"item", fb::Type::Int, 64}}}};

// 2 lists of int64 over 3 items: offsets at 0 (16 bytes), items at 16 (24 bytes).
Status ReadList(const std::vector<int32_t>& offsets, int64_t items, int64_t item_nulls = 0,
                const std::vector<FieldSpec>& spec = kListField) {
  std::string body = Bytes(offsets);
  body.resize(16, '\0');
  body += std::string(24, '\x01');
  return ReadOne(spec, {2, {{2, 0}, {items, item_nulls}}, {{0, 0}, {0, 12}, {0, 0}, {16, 24}}},
                 body);
}

TEST(ArrowIpcMalformedTest, ListOffsetsAndItems) {
  EXPECT_TRUE(ReadList({0, 1, 3}, 3).ok()) << ReadList({0, 1, 3}, 3).ToString();
  EXPECT_TRUE(ReadList({1, 1, 2}, 3).ok());  // offsets need not start at 0
  ExpectError(ReadList({0, 3, 1}, 3), StatusCode::kInvalidArgument, "offsets decrease at row 1");
  ExpectError(ReadList({0, 1, 4}, 3), StatusCode::kInvalidArgument,
              "offsets point past the end of the item column (4 > 3)");
  ExpectError(ReadList({0, 1, 3}, 2), StatusCode::kInvalidArgument, "past the end");
  ExpectError(ReadList({-2, 1, 3}, 3), StatusCode::kInvalidArgument, "offset 0 is negative");
  ExpectError(ReadList({0, 1, INT32_MAX}, 3), StatusCode::kInvalidArgument, "past the end");
  // The items claim more values than their buffer (or the body) holds.
  ExpectError(ReadList({0, 1, 3}, 4), StatusCode::kInvalidArgument,
              "values buffer has 24 bytes, 32 needed");
  ExpectError(ReadList({0, 1, 3}, int64_t{1} << 40), StatusCode::kInvalidArgument,
              "more than the message body can hold");
  ExpectError(ReadList({0, 1, 3}, -1), StatusCode::kInvalidArgument, "list items claim -1");
  ExpectError(ReadList({0, 1, 3}, 3, 4), StatusCode::kInvalidArgument, "null count 4");
  // Item nulls without an item bitmap.
  ExpectError(ReadList({0, 1, 3}, 3, 1), StatusCode::kInvalidArgument, "validity");
  // Offsets buffer shorter than rows + 1.
  std::string body(40, '\0');
  ExpectError(ReadOne(kListField, {2, {{2, 0}, {3, 0}}, {{0, 0}, {0, 8}, {0, 0}, {16, 24}}}, body),
              StatusCode::kInvalidArgument, "offsets buffer has 8 bytes, 12 needed");
}

TEST(ArrowIpcMalformedTest, ListSchemas) {
  std::string body(40, '\0');
  BatchSpec batch{2, {{2, 0}, {0, 0}}, {{0, 0}, {0, 12}, {0, 0}, {16, 0}}};
  FieldSpec no_child{"l", fb::Type::List};
  ExpectError(ReadOne({no_child}, batch, body), StatusCode::kInvalidArgument,
              "field 'l' is a List with 0 child fields; it must have one");
  FieldSpec two = kListField[0];
  two.children.push_back({"other", fb::Type::Int, 64});
  ExpectError(ReadOne({two}, batch, body), StatusCode::kInvalidArgument,
              "is a List with 2 child fields");
  FieldSpec nested{"l", fb::Type::List};
  nested.children.push_back(kListField[0]);
  ExpectError(ReadOne({nested}, batch, body), StatusCode::kUnimplemented,
              "List of a nested or dictionary-encoded type");
  FieldSpec decimal{"l", fb::Type::List};
  decimal.children.push_back({"item", fb::Type::Decimal});
  ExpectError(ReadOne({decimal}, batch, body), StatusCode::kUnimplemented,
              "field 'l.item' has Arrow type Decimal");
  FieldSpec large{"l", fb::Type::List};
  large.children.push_back({"item", fb::Type::LargeUtf8});
  ExpectError(ReadOne({large}, batch, body), StatusCode::kUnimplemented, "LargeUtf8");
  // The batch's nodes and buffers must follow the list's shape: a list needs 2 nodes, 4 buffers.
  ExpectError(ReadOne(kListField, {2, {{2, 0}}, {{0, 0}, {0, 12}}}, body),
              StatusCode::kInvalidArgument, "1 field nodes, the schema's fields need 2");
  ExpectError(ReadOne(kListField, {2, {{2, 0}, {0, 0}}, {{0, 0}, {0, 12}}}, body),
              StatusCode::kInvalidArgument, "2 buffers, the schema's fields need 4");
}

TEST(ArrowIpcListTest, WriterRejectsListsWithoutTheirItems) {
  ColumnBuilder b(DataType::List(TypeId::kInt64));
  b.items().Append<int64_t>(1);
  ASSERT_TRUE(b.AppendListEnd().ok());
  Batch batch;
  batch.num_rows = 1;
  batch.fields = {{"l", b.type(), true}};
  batch.columns = {b.Finish()};
  Batch no_items = batch;
  no_items.columns[0].children.clear();
  EXPECT_FALSE(EncodeArrowIpcStream(no_items).ok());
  Batch short_items = batch;
  short_items.columns[0].children[0].length = 0;
  EXPECT_FALSE(EncodeArrowIpcStream(short_items).ok());
}

}  // namespace
}  // namespace murr
