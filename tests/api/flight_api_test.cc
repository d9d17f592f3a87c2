// Arrow Flight API against the real `murr` binary, through a gRPC client built from our
// flight.proto: every RPC, every error code, DoPut/DoGet round trips of every type with nulls,
// large results split under gRPC's 4 MiB message limit, and HTTP and Flight seeing each other's
// writes.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/server_process.h"
#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/api/flight/flight.grpc.pb.h"
#include "murr/api/flight/flight_wire.h"
#include "murr/codec/arrow_ipc.h"
#include "sync/sync_test.h"

namespace murr {
namespace {

namespace pb = arrow::flight::protocol;
using testing::GrpcPort;
using testing::HttpClient;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;

constexpr size_t kGrpcDefaultMaxMessage = size_t{4} << 20;

pb::FlightDescriptor PathDescriptor(const std::vector<std::string>& path) {
  pb::FlightDescriptor d;
  d.set_type(pb::FlightDescriptor::PATH);
  for (const auto& p : path) d.add_path(p);
  return d;
}

std::string BodyBytes(const IpcMessage& msg) {
  std::vector<ConstSlice> slices;
  msg.AppendBodySlices(&slices);
  std::string out;
  for (const auto& s : slices) out.append(static_cast<const char*>(s.data), s.size);
  return out;
}

// The rows of a DoGet reply, possibly spread over several record batches.
struct Rows {
  std::vector<Field> fields;
  std::vector<Batch> batches;
  std::vector<size_t> message_sizes;  // protobuf size of each FlightData received

  int64_t num_rows() const {
    int64_t n = 0;
    for (const auto& b : batches) n += b.num_rows;
    return n;
  }
  // Column `c` at global row `r`: the column and the row inside it.
  std::pair<const Column*, int64_t> At(int c, int64_t r) const {
    for (const auto& b : batches) {
      if (r < b.num_rows) return {&b.columns[c], r};
      r -= b.num_rows;
    }
    return {nullptr, 0};
  }
};

class FlightApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(dir_.path(), TestConfigYaml(dir_ / "cache", HttpLines())))
        << server_.log();
    port_ = GrpcPort(server_.log());
    ASSERT_GT(port_, 0) << server_.log();
    // Default channel arguments: a reply message over 4 MiB would fail the call.
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::FlightService::NewStub(channel_);
  }

  // Extra server.http lines of the server's configuration.
  virtual std::vector<std::string> HttpLines() const { return {}; }

  // The client's connection is still open: shutdown must not wait for it to go away.
  void TearDown() override { EXPECT_EQ(server_.Stop(), 0) << server_.log(); }

  grpc::Status Action(const std::string& type, const std::string& body,
                      std::vector<std::string>* results = nullptr) {
    grpc::ClientContext ctx;
    pb::Action action;
    action.set_type(type);
    action.set_body(body);
    auto reader = stub_->DoAction(&ctx, action);
    pb::Result r;
    while (reader->Read(&r)) {
      if (results) results->push_back(r.body());
    }
    return reader->Finish();
  }

  void CreateTable(const std::string& name, const TableSchema& schema) {
    std::vector<std::string> results;
    grpc::Status st =
        Action("create_table", R"({"name": ")" + name + R"(", "schema": )" + schema.ToJson() + "}",
               &results);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0], R"({"created":")" + name + R"("})");
  }

  // Sends raw FlightData messages as one DoPut; *app_metadata gets the PutResult's.
  grpc::Status PutMessages(const std::vector<pb::FlightData>& messages,
                           std::string* app_metadata = nullptr) {
    grpc::ClientContext ctx;
    auto stream = stub_->DoPut(&ctx);
    for (const auto& m : messages) {
      if (!stream->Write(m)) break;
    }
    stream->WritesDone();
    pb::PutResult result;
    while (stream->Read(&result)) {
      if (app_metadata) *app_metadata = result.app_metadata();
    }
    return stream->Finish();
  }

  // The FlightData messages of a DoPut of `batches` into `table` (descriptor on the first).
  static std::vector<pb::FlightData> PutData(const std::string& table,
                                             const std::vector<Batch>& batches) {
    auto parts = EncodeArrowIpcStream(batches.at(0).fields, batches);
    EXPECT_TRUE(parts.ok()) << parts.status().ToString();
    std::vector<pb::FlightData> out;
    for (size_t i = 0; i < parts->messages.size(); ++i) {
      pb::FlightData d;
      if (i == 0) *d.mutable_flight_descriptor() = PathDescriptor({table});
      d.set_data_header(parts->messages[i].metadata);
      d.set_data_body(BodyBytes(parts->messages[i]));
      out.push_back(std::move(d));
    }
    return out;
  }

  grpc::Status Put(const std::string& table, const std::vector<Batch>& batches,
                   std::string* app_metadata = nullptr) {
    return PutMessages(PutData(table, batches), app_metadata);
  }

  grpc::Status Get(const std::string& ticket, Rows* rows) {
    grpc::ClientContext ctx;
    pb::Ticket t;
    t.set_ticket(ticket);
    auto reader = stub_->DoGet(&ctx, t);
    pb::FlightData data;
    IpcStreamDecoder decoder;
    Status decode_status;
    while (reader->Read(&data)) {
      rows->message_sizes.push_back(data.ByteSizeLong());
      std::optional<Batch> batch;
      Status st =
          decoder.Consume(data.data_header(),
                          Buffer::Copy(data.data_body().data(), data.data_body().size()), &batch);
      if (!st.ok() && decode_status.ok()) decode_status = st;
      if (batch) rows->batches.push_back(std::move(*batch));
    }
    grpc::Status st = reader->Finish();
    EXPECT_TRUE(decode_status.ok()) << decode_status.ToString();
    rows->fields = decoder.fields();
    return st;
  }

  grpc::Status Info(const std::string& table, pb::FlightInfo* info) {
    grpc::ClientContext ctx;
    return stub_->GetFlightInfo(&ctx, PathDescriptor({table}), info);
  }

  // Fields of an encapsulated IPC Schema message (FlightInfo.schema, SchemaResult.schema).
  static std::vector<Field> DecodeSchema(const std::string& encapsulated) {
    std::string stream = encapsulated + std::string("\xff\xff\xff\xff\0\0\0\0", 8);
    auto contents = ReadArrowIpcStreamContents(Buffer::Copy(stream.data(), stream.size()));
    EXPECT_TRUE(contents.ok()) << contents.status().ToString();
    return contents.ok() ? contents->fields : std::vector<Field>{};
  }

  TempDir dir_;
  ServerProcess server_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::FlightService::Stub> stub_;
};

TableSchema SmallSchema() {
  return TableSchema::FromJson(
             R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false},
                 "v": {"dtype": "int64"}, "s": {"dtype": "utf8"}}})")
      .value();
}

Batch SmallBatch(const std::vector<std::string>& keys, const std::vector<int64_t>& values) {
  Batch b;
  b.num_rows = static_cast<int64_t>(keys.size());
  b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, true}};
  ColumnBuilder id(DataType::kUtf8), v(DataType::kInt64);
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_TRUE(id.AppendString(keys[i]).ok());
    v.Append<int64_t>(values[i]);
  }
  b.columns = {id.Finish(), v.Finish()};
  return b;
}

TEST_F(FlightApiTest, ListActionsNamesCreateAndDrop) {
  grpc::ClientContext ctx;
  auto reader = stub_->ListActions(&ctx, pb::Empty());
  std::vector<std::string> types;
  pb::ActionType a;
  while (reader->Read(&a)) {
    types.push_back(a.type());
    EXPECT_FALSE(a.description().empty()) << a.type();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(types, (std::vector<std::string>{"create_table", "drop_table"}));
}

TEST_F(FlightApiTest, CreateAndDropTableActions) {
  CreateTable("t1", SmallSchema());
  grpc::Status again =
      Action("create_table", R"({"name": "t1", "schema": )" + SmallSchema().ToJson() + "}");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS) << again.error_message();
  EXPECT_NE(again.error_message().find("t1"), std::string::npos) << again.error_message();

  std::vector<std::string> results;
  grpc::Status dropped = Action("drop_table", "t1", &results);
  ASSERT_TRUE(dropped.ok()) << dropped.error_message();
  EXPECT_EQ(results, (std::vector<std::string>{R"({"dropped":"t1"})"}));
  grpc::Status missing = Action("drop_table", "t1");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND) << missing.error_message();
}

TEST_F(FlightApiTest, ActionErrors) {
  struct Case {
    std::string type, body;
    grpc::StatusCode code;
    std::string mention;
  };
  std::vector<Case> cases = {
      {"create_table", "not json", grpc::StatusCode::INVALID_ARGUMENT, "JSON"},
      {"create_table", "[1]", grpc::StatusCode::INVALID_ARGUMENT, "object"},
      {"create_table", R"({"name": "x"})", grpc::StatusCode::INVALID_ARGUMENT, "schema"},
      {"create_table", R"({"name": "x", "schema": {"key": "id"}, "extra": 1})",
       grpc::StatusCode::INVALID_ARGUMENT, "extra"},
      {"create_table", R"({"name": 7, "schema": {}})", grpc::StatusCode::INVALID_ARGUMENT, "name"},
      {"create_table",
       R"({"name": "x", "schema": {"key": "id", "columns": {"id": {"dtype": "float32"}}}})",
       grpc::StatusCode::INVALID_ARGUMENT, "id"},
      {"create_table", R"({"name": "bad/name", "schema": )" + SmallSchema().ToJson() + "}",
       grpc::StatusCode::INVALID_ARGUMENT, "table name"},
      {"drop_table", "nope", grpc::StatusCode::NOT_FOUND, "nope"},
      {"compact", "", grpc::StatusCode::UNIMPLEMENTED, "compact"},
  };
  for (const auto& c : cases) {
    grpc::Status st = Action(c.type, c.body);
    EXPECT_EQ(st.error_code(), c.code) << c.type << " " << c.body << ": " << st.error_message();
    EXPECT_NE(st.error_message().find(c.mention), std::string::npos)
        << c.body << ": " << st.error_message();
  }
}

TEST_F(FlightApiTest, UnimplementedRpcsSaySo) {
  {
    grpc::ClientContext ctx;
    auto stream = stub_->Handshake(&ctx);
    stream->WritesDone();
    grpc::Status st = stream->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_NE(st.error_message().find("Handshake"), std::string::npos) << st.error_message();
  }
  {
    grpc::ClientContext ctx;
    pb::PollInfo info;
    grpc::Status st = stub_->PollFlightInfo(&ctx, PathDescriptor({"t"}), &info);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_NE(st.error_message().find("GetFlightInfo"), std::string::npos) << st.error_message();
  }
  {
    grpc::ClientContext ctx;
    auto stream = stub_->DoExchange(&ctx);
    stream->WritesDone();
    grpc::Status st = stream->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_NE(st.error_message().find("DoGet"), std::string::npos) << st.error_message();
  }
}

TEST_F(FlightApiTest, GetSchemaAndFlightInfoDescribeTheTable) {
  CreateTable("docs", SmallSchema());
  grpc::ClientContext ctx;
  pb::SchemaResult schema;
  grpc::Status st = stub_->GetSchema(&ctx, PathDescriptor({"docs"}), &schema);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // Encapsulated: continuation marker, then the metadata length, padded to 8 bytes.
  ASSERT_GE(schema.schema().size(), 8u);
  EXPECT_EQ(schema.schema().substr(0, 4), std::string("\xff\xff\xff\xff"));
  EXPECT_EQ(schema.schema().size() % 8, 0u);
  std::vector<Field> expected = {
      {"id", DataType::kUtf8, false}, {"v", DataType::kInt64, true}, {"s", DataType::kUtf8, true}};
  EXPECT_EQ(DecodeSchema(schema.schema()), expected);

  ASSERT_TRUE(Put("docs", {SmallBatch({"a", "b", "c"}, {1, 2, 3})}).ok());
  ASSERT_TRUE(Put("docs", {SmallBatch({"c", "d"}, {30, 4})}).ok());
  pb::FlightInfo info;
  st = Info("docs", &info);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(DecodeSchema(info.schema()), expected);
  EXPECT_EQ(info.total_records(), 4);  // distinct keys
  EXPECT_GT(info.total_bytes(), 0);
  EXPECT_EQ(info.flight_descriptor().type(), pb::FlightDescriptor::PATH);
  ASSERT_EQ(info.flight_descriptor().path_size(), 1);
  EXPECT_EQ(info.flight_descriptor().path(0), "docs");
  EXPECT_EQ(TableSchema::FromJson(info.app_metadata()).value(), SmallSchema());
}

TEST_F(FlightApiTest, ListFlightsGivesOneInfoPerTable) {
  CreateTable("b_table", SmallSchema());
  CreateTable("a_table", SmallSchema());
  ASSERT_TRUE(Put("b_table", {SmallBatch({"x", "y"}, {1, 2})}).ok());
  auto list = [&](const std::string& expression) {
    grpc::ClientContext ctx;
    pb::Criteria criteria;
    criteria.set_expression(expression);
    auto reader = stub_->ListFlights(&ctx, criteria);
    std::vector<std::pair<std::string, int64_t>> out;
    pb::FlightInfo info;
    while (reader->Read(&info)) {
      out.emplace_back(info.flight_descriptor().path(0), info.total_records());
      EXPECT_EQ(DecodeSchema(info.schema()).size(), 3u);
    }
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  };
  using V = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(list(""), (V{{"a_table", 0}, {"b_table", 2}}));
  EXPECT_EQ(list("b_"), (V{{"b_table", 2}}));
}

TEST_F(FlightApiTest, DescriptorErrors) {
  CreateTable("t", SmallSchema());
  pb::FlightDescriptor cmd;
  cmd.set_type(pb::FlightDescriptor::CMD);
  cmd.set_cmd("SELECT 1");
  struct Case {
    pb::FlightDescriptor d;
    grpc::StatusCode code;
    std::string mention;
  };
  std::vector<Case> cases = {
      {cmd, grpc::StatusCode::INVALID_ARGUMENT, "PATH"},
      {PathDescriptor({"t", "x"}), grpc::StatusCode::INVALID_ARGUMENT, "one element"},
      {PathDescriptor({}), grpc::StatusCode::INVALID_ARGUMENT, "one element"},
      {PathDescriptor({"nope"}), grpc::StatusCode::NOT_FOUND, "nope"},
  };
  for (const auto& c : cases) {
    grpc::ClientContext ctx1, ctx2;
    pb::SchemaResult schema;
    pb::FlightInfo info;
    grpc::Status a = stub_->GetSchema(&ctx1, c.d, &schema);
    grpc::Status b = stub_->GetFlightInfo(&ctx2, c.d, &info);
    for (const grpc::Status& st : {a, b}) {
      EXPECT_EQ(st.error_code(), c.code) << c.d.DebugString() << st.error_message();
      EXPECT_NE(st.error_message().find(c.mention), std::string::npos) << st.error_message();
    }
  }
}

TEST_F(FlightApiTest, EveryTypeWithNullsRoundTrips) {
  TableSchema schema = testing::AllTypesSchema();
  CreateTable("all", schema);
  std::mt19937_64 rng(42);
  // Two batches in one DoPut are one write.
  Batch first = testing::RandomBatch(schema, 300, rng, "a");
  Batch second = testing::RandomBatch(schema, 200, rng, "b");
  std::string put_result;
  grpc::Status st = Put("all", {first, second}, &put_result);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(put_result, R"({"rows":500})");

  // Keys: shuffled, a missing one, a duplicate; every column, the key included.
  std::vector<std::pair<const Batch*, int64_t>> sources;
  for (int64_t r = 0; r < first.num_rows; ++r) sources.emplace_back(&first, r);
  for (int64_t r = 0; r < second.num_rows; ++r) sources.emplace_back(&second, r);
  std::shuffle(sources.begin(), sources.end(), rng);
  sources.insert(sources.begin() + 7, {nullptr, 0});
  auto duplicate = sources[3];
  sources.push_back(duplicate);
  std::string ticket = R"({"table": "all", "keys": [)";
  for (size_t i = 0; i < sources.size(); ++i) {
    if (i) ticket += ",";
    ticket +=
        sources[i].first
            ? "\"" + std::string(sources[i].first->columns[0].StringValue(sources[i].second)) + "\""
            : "\"missing\"";
  }
  std::vector<std::string> columns = testing::ColumnNames(schema);
  std::reverse(columns.begin(), columns.end());
  ticket += R"(], "columns": [)";
  for (size_t i = 0; i < columns.size(); ++i) ticket += (i ? ",\"" : "\"") + columns[i] + "\"";
  ticket += "]}";

  Rows rows;
  st = Get(ticket, &rows);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(rows.num_rows(), static_cast<int64_t>(sources.size()));
  ASSERT_EQ(rows.fields.size(), columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    EXPECT_EQ(rows.fields[c].name, columns[c]);
    int src_col = schema.FindColumn(columns[c]);
    EXPECT_EQ(rows.fields[c].type, schema.columns()[src_col].type);
    for (size_t r = 0; r < sources.size(); ++r) {
      auto [col, local] = rows.At(static_cast<int>(c), static_cast<int64_t>(r));
      if (!sources[r].first) {
        EXPECT_TRUE(col->IsNull(local)) << columns[c] << " row " << r;
        continue;
      }
      const Column& want = sources[r].first->columns[src_col];
      EXPECT_TRUE(testing::CellEquals(*col, local, want, sources[r].second))
          << columns[c] << " row " << r << ": got " << testing::CellToString(*col, local)
          << ", want " << testing::CellToString(want, sources[r].second);
    }
  }
}

TEST_F(FlightApiTest, LargeResultArrivesInSeveralMessagesUnder4MiB) {
  constexpr int kColumns = 13;
  constexpr int64_t kRows = 100000;  // 100,000 x 13 float64 = 10.4 MB of values
  std::vector<ColumnSchema> cols = {{"id", DataType::kUtf8, false}};
  for (int c = 0; c < kColumns; ++c) cols.push_back({"f" + std::to_string(c), DataType::kFloat64});
  TableSchema schema = TableSchema::Make("id", cols).value();
  CreateTable("big", schema);
  auto value = [](int64_t r, int c) { return static_cast<double>(r) * 16 + c + 0.25; };
  std::vector<Batch> batches;
  for (int64_t start = 0; start < kRows; start += 25000) {
    Batch b;
    b.num_rows = 25000;
    for (const auto& cs : cols) b.fields.push_back({cs.name, cs.type, cs.nullable});
    ColumnBuilder id(DataType::kUtf8);
    for (int64_t r = start; r < start + b.num_rows; ++r) {
      ASSERT_TRUE(id.AppendString("k" + std::to_string(r)).ok());
    }
    b.columns.push_back(id.Finish());
    for (int c = 0; c < kColumns; ++c) {
      ColumnBuilder f(DataType::kFloat64);
      for (int64_t r = start; r < start + b.num_rows; ++r) f.Append<double>(value(r, c));
      b.columns.push_back(f.Finish());
    }
    batches.push_back(std::move(b));
  }
  std::string put_result;
  grpc::Status st = Put("big", batches, &put_result);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(put_result, R"({"rows":100000})");

  // Every key, in reverse order, every float column.
  std::string ticket = R"({"table": "big", "keys": [)";
  for (int64_t r = kRows - 1; r >= 0; --r) {
    ticket += "\"k" + std::to_string(r) + "\"" + (r ? "," : "");
  }
  ticket += R"(], "columns": [)";
  for (int c = 0; c < kColumns; ++c) ticket += (c ? ",\"f" : "\"f") + std::to_string(c) + "\"";
  ticket += "]}";
  Rows rows;
  st = Get(ticket, &rows);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(rows.num_rows(), kRows);
  // Schema + at least 3 record batches, every message within gRPC's default limit.
  EXPECT_GE(rows.message_sizes.size(), 4u);
  EXPECT_GE(rows.batches.size(), 3u);
  for (size_t s : rows.message_sizes) EXPECT_LE(s, kGrpcDefaultMaxMessage);
  int64_t mismatches = 0;
  for (int64_t i = 0; i < kRows; ++i) {
    int64_t r = kRows - 1 - i;
    for (int c = 0; c < kColumns; ++c) {
      auto [col, local] = rows.At(c, i);
      if (col->IsNull(local) || col->Value<double>(local) != value(r, c)) ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST_F(FlightApiTest, DoGetErrors) {
  CreateTable("t", SmallSchema());
  struct Case {
    std::string ticket;
    grpc::StatusCode code;
    std::string mention;
  };
  std::vector<Case> cases = {
      {"not json", grpc::StatusCode::INVALID_ARGUMENT, "ticket"},
      {R"({"keys": ["a"], "columns": ["v"]})", grpc::StatusCode::INVALID_ARGUMENT, "table"},
      {R"({"table": "t", "keys": ["a"]})", grpc::StatusCode::INVALID_ARGUMENT, "columns"},
      {R"({"table": "nope", "keys": ["a"], "columns": ["v"]})", grpc::StatusCode::NOT_FOUND,
       "nope"},
      {R"({"table": "t", "keys": ["a"], "columns": ["zz"]})", grpc::StatusCode::INVALID_ARGUMENT,
       "zz"},
  };
  for (const auto& c : cases) {
    Rows rows;
    grpc::Status st = Get(c.ticket, &rows);
    EXPECT_EQ(st.error_code(), c.code) << c.ticket << ": " << st.error_message();
    EXPECT_NE(st.error_message().find(c.mention), std::string::npos)
        << c.ticket << ": " << st.error_message();
    EXPECT_TRUE(rows.message_sizes.empty()) << c.ticket;
  }
}

TEST_F(FlightApiTest, DoGetOfNoKeysGivesSchemaAndNoRows) {
  CreateTable("t", SmallSchema());
  Rows rows;
  grpc::Status st = Get(R"({"table": "t", "keys": [], "columns": ["s", "v"]})", &rows);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rows.num_rows(), 0);
  ASSERT_EQ(rows.fields.size(), 2u);
  EXPECT_EQ(rows.fields[0].name, "s");
  EXPECT_EQ(rows.fields[1].type, DataType::kInt64);
}

TEST_F(FlightApiTest, DoPutErrorsChangeNothing) {
  CreateTable("t", SmallSchema());
  ASSERT_TRUE(Put("t", {SmallBatch({"a"}, {1})}).ok());
  auto records = [&] {
    pb::FlightInfo info;
    EXPECT_TRUE(Info("t", &info).ok());
    return info.total_records();
  };

  // No descriptor on the first message.
  auto data = PutData("t", {SmallBatch({"b"}, {2})});
  data[0].clear_flight_descriptor();
  grpc::Status st = PutMessages(data);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("descriptor"), std::string::npos) << st.error_message();

  // Unknown table; a CMD descriptor.
  st = Put("nope", {SmallBatch({"b"}, {2})});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("nope"), std::string::npos) << st.error_message();
  data = PutData("t", {SmallBatch({"b"}, {2})});
  data[0].mutable_flight_descriptor()->set_type(pb::FlightDescriptor::CMD);
  st = PutMessages(data);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();

  // Garbage instead of the flatbuffer header.
  data = PutData("t", {SmallBatch({"b"}, {2})});
  data[1].set_data_header("garbage, not a flatbuffer");
  st = PutMessages(data);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("DoPut message 1"), std::string::npos) << st.error_message();

  // A body without a header.
  data = PutData("t", {SmallBatch({"b"}, {2})});
  data[1].clear_data_header();
  st = PutMessages(data);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();

  // Only the descriptor: no schema.
  pb::FlightData only;
  *only.mutable_flight_descriptor() = PathDescriptor({"t"});
  st = PutMessages({only});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("Schema"), std::string::npos) << st.error_message();

  // A column of the wrong type.
  Batch wrong = SmallBatch({"b"}, {2});
  wrong.fields[1].type = DataType::kFloat64;
  ColumnBuilder doubles(DataType::kFloat64);
  doubles.Append<double>(2.0);
  wrong.columns[1] = doubles.Finish();
  st = Put("t", {wrong});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("v"), std::string::npos) << st.error_message();

  // A null key in the second batch rejects the whole stream: the first batch is not written.
  Batch null_key = SmallBatch({"c", "d"}, {3, 4});
  null_key.fields[0].nullable = true;
  ColumnBuilder keys(DataType::kUtf8);
  ASSERT_TRUE(keys.AppendString("c").ok());
  keys.AppendNull();
  null_key.columns[0] = keys.Finish();
  null_key.fields[0].nullable = true;
  Batch good = SmallBatch({"e", "f"}, {5, 6});
  good.fields[0].nullable = true;
  st = Put("t", {good, null_key});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("id"), std::string::npos) << st.error_message();

  EXPECT_EQ(records(), 1);
  Rows rows;
  ASSERT_TRUE(Get(R"({"table": "t", "keys": ["a", "b", "e"], "columns": ["v"]})", &rows).ok());
  ASSERT_EQ(rows.num_rows(), 3);
  EXPECT_EQ(rows.batches[0].columns[0].Value<int64_t>(0), 1);
  EXPECT_TRUE(rows.batches[0].columns[0].IsNull(1));
  EXPECT_TRUE(rows.batches[0].columns[0].IsNull(2));
}

TEST_F(FlightApiTest, HttpAndFlightSeeEachOthersWrites) {
  HttpClient http(server_.port());
  auto r = http.Json("PUT", "/api/v1/table/shared", SmallSchema().ToJson());
  ASSERT_EQ(r.status, 201) << r.body;
  r = http.Json("PUT", "/api/v1/table/shared/write",
                R"({"columns": {"id": ["a", "b"], "v": [1, null], "s": ["x", "y"]}})");
  ASSERT_EQ(r.status, 200) << r.body;

  // HTTP's write, read through Flight.
  Rows rows;
  grpc::Status st =
      Get(R"({"table": "shared", "keys": ["b", "zz", "a"], "columns": ["v", "s"]})", &rows);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(rows.num_rows(), 3);
  const Batch& b = rows.batches.at(0);
  EXPECT_TRUE(b.columns[0].IsNull(0));
  EXPECT_TRUE(b.columns[0].IsNull(1));
  EXPECT_EQ(b.columns[0].Value<int64_t>(2), 1);
  EXPECT_EQ(b.columns[1].StringValue(0), "y");
  EXPECT_TRUE(b.columns[1].IsNull(1));
  EXPECT_EQ(b.columns[1].StringValue(2), "x");

  // Flight's write (replacing "a"), read through HTTP.
  ASSERT_TRUE(Put("shared", {SmallBatch({"a", "c"}, {10, 3})}).ok());
  r = http.Json("POST", "/api/v1/table/shared/fetch", R"({"keys": ["c", "a"], "columns": ["v"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"columns":{"v":[3,10]}})");

  // Flight sees HTTP's table; HTTP sees Flight's drop.
  pb::FlightInfo info;
  ASSERT_TRUE(Info("shared", &info).ok());
  EXPECT_EQ(info.total_records(), 3);
  ASSERT_TRUE(Action("drop_table", "shared").ok());
  EXPECT_EQ(http.Send("GET", "/api/v1/table/shared/schema").status, 404);
}

TEST_F(FlightApiTest, CancelledDoPutWritesNothing) {
  CreateTable("t", SmallSchema());
  auto data = PutData("t", {SmallBatch({"a"}, {1}), SmallBatch({"b"}, {2})});
  grpc::ClientContext ctx;
  auto stream = stub_->DoPut(&ctx);
  for (const auto& m : data) ASSERT_TRUE(stream->Write(m));
  // Every message is sent, the stream is not closed: the client gives up instead.
  ctx.TryCancel();
  grpc::Status st = stream->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::CANCELLED) << st.error_message();
  // The server has seen the cancellation once a later call on the same connection is answered.
  pb::FlightInfo info;
  ASSERT_TRUE(Info("t", &info).ok());
  EXPECT_EQ(info.total_records(), 0);
  std::string result;
  ASSERT_TRUE(Put("t", {SmallBatch({"c"}, {3})}, &result).ok());
  EXPECT_EQ(result, R"({"rows":1})");
  ASSERT_TRUE(Info("t", &info).ok());
  EXPECT_EQ(info.total_records(), 1);
}

TEST_F(FlightApiTest, ConcurrentDoGetsWhileWriting) {
  CreateTable("t", SmallSchema());
  std::vector<std::string> keys;
  std::vector<int64_t> values;
  for (int i = 0; i < 3000; ++i) {
    keys.push_back("k" + std::to_string(i));
    values.push_back(i);
  }
  ASSERT_TRUE(Put("t", {SmallBatch(keys, values)}).ok());
  std::string ticket = R"({"table": "t", "keys": [)";
  for (size_t i = 0; i < keys.size(); ++i) ticket += (i ? ",\"" : "\"") + keys[i] + "\"";
  ticket += R"(], "columns": ["v", "id"]})";
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      auto stub = pb::FlightService::NewStub(grpc::CreateChannel(
          "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
      for (int i = 0; i < 15; ++i) {
        grpc::ClientContext ctx;
        pb::Ticket t;
        t.set_ticket(ticket);
        auto reader = stub->DoGet(&ctx, t);
        pb::FlightData data;
        IpcStreamDecoder decoder;
        int64_t rows = 0, sum = 0;
        while (reader->Read(&data)) {
          std::optional<Batch> batch;
          if (!decoder
                   .Consume(data.data_header(),
                            Buffer::Copy(data.data_body().data(), data.data_body().size()), &batch)
                   .ok()) {
            ++bad;
          }
          if (!batch) continue;
          for (int64_t r = 0; r < batch->num_rows; ++r) {
            // Every row is written before the readers start, so values are never null; writers
            // only add rows with other keys.
            if (batch->columns[0].IsNull(r)) ++bad;
            sum += batch->columns[0].Value<int64_t>(r);
          }
          rows += batch->num_rows;
        }
        if (!reader->Finish().ok() || rows != 3000 || sum != 2999 * 3000 / 2) ++bad;
      }
    });
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(Put("t", {SmallBatch({"w" + std::to_string(i)}, {i})}).ok());
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0);
}

// Flight takes its limits from server.http: keys per fetch, bytes per write.
class FlightLimitsTest : public FlightApiTest {
 protected:
  std::vector<std::string> HttpLines() const override {
    return {"max_fetch_keys: 2", "max_body_bytes: 2000"};
  }
};

TEST_F(FlightLimitsTest, TooManyKeysAndTooLargeWritesAreRefused) {
  CreateTable("t", SmallSchema());
  Rows rows;
  grpc::Status st = Get(R"({"table": "t", "keys": ["a", "b", "c"], "columns": ["v"]})", &rows);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("2"), std::string::npos) << st.error_message();
  ASSERT_TRUE(Get(R"({"table": "t", "keys": ["a", "b"], "columns": ["v"]})", &rows).ok());

  // Ten small batches (each message well under the limit), 2000+ bytes together.
  std::vector<Batch> batches;
  for (int i = 0; i < 10; ++i) batches.push_back(SmallBatch({"k" + std::to_string(i)}, {i}));
  st = Put("t", batches);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(st.error_message().find("2000"), std::string::npos) << st.error_message();
  pb::FlightInfo info;
  ASSERT_TRUE(Info("t", &info).ok());
  EXPECT_EQ(info.total_records(), 0);
  std::string result;
  ASSERT_TRUE(Put("t", {batches[0]}, &result).ok());
  EXPECT_EQ(result, R"({"rows":1})");
}

// A table loaded from a source (configuration tables:): Flight refuses to write or drop it.
class FlightSourcedTableTest : public FlightApiTest {
 protected:
  void SetUp() override {
    testing::WritePartition(dir_ / "src/dt=1", "pyarrow", 5, 1, 1);
    std::string yaml = TestConfigYaml(dir_ / "cache") + "tables:\n  feat:\n    source: file://" +
                       (dir_ / "src") + "/\n    key: id\n";
    ASSERT_TRUE(server_.Start(dir_.path(), yaml)) << server_.log();
    port_ = GrpcPort(server_.log());
    ASSERT_GT(port_, 0) << server_.log();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::FlightService::NewStub(channel_);
  }
};

TEST_F(FlightSourcedTableTest, WritesAndDropAreFailedPrecondition) {
  HttpClient c(server_.port());
  ASSERT_TRUE(testing::WaitFor([&] {
    return c.Json("GET", "/api/v1/table/feat/status", "").body.find("\"partition\":\"dt=1\"") !=
           std::string::npos;
  })) << server_.log();
  grpc::Status st = Put("feat", {SmallBatch({"a"}, {1})});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_NE(st.error_message().find("is loaded from file://"), std::string::npos)
      << st.error_message();
  st = Action("drop_table", "feat");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  pb::FlightInfo info;
  ASSERT_TRUE(Info("feat", &info).ok());
  EXPECT_EQ(info.total_records(), 5);
}

TEST(FlightProcess, GrpcPortInUseStopsTheProgram) {
  TempDir dir;
  ServerProcess first;
  ASSERT_TRUE(first.Start(dir.path(), TestConfigYaml(dir / "c1"))) << first.log();
  int port = GrpcPort(first.log());
  ASSERT_GT(port, 0) << first.log();
  std::string out;
  int code = testing::RunMurr(
      {"serve"},
      {"MURR_SERVER_HTTP_HOST=127.0.0.1", "MURR_SERVER_HTTP_PORT=0",
       "MURR_SERVER_GRPC_HOST=127.0.0.1", "MURR_SERVER_GRPC_PORT=" + std::to_string(port),
       "MURR_STORAGE_CACHE_DIR=" + (dir / "c2")},
      dir.path(), &out);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("server.grpc"), std::string::npos) << out;
  EXPECT_NE(out.find(std::to_string(port)), std::string::npos) << out;
  EXPECT_EQ(out.find("listening on http://"), std::string::npos) << out;
  EXPECT_EQ(first.Stop(), 0);
}

TEST(FlightWire, HandEncodedFlightDataParsesAsProtobuf) {
  std::string header(300, 'h');
  std::string body(70000, 'b');
  std::string bytes;
  flight::AppendFlightDataPrefix(header, "meta", body.size(), &bytes);
  bytes += body;
  EXPECT_EQ(bytes.size(), flight::FlightDataWireSize(header.size(), 4, body.size()));
  pb::FlightData parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.data_header(), header);
  EXPECT_EQ(parsed.app_metadata(), "meta");
  EXPECT_EQ(parsed.data_body(), body);
  EXPECT_FALSE(parsed.has_flight_descriptor());
  // And what protobuf itself writes is the same bytes.
  EXPECT_EQ(parsed.SerializeAsString(), bytes);

  std::string empty;
  flight::AppendFlightDataPrefix("", "", 0, &empty);
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace murr
