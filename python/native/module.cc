// murr._native: the engine and the server inside a Python process (nanobind). The Python API
// around it is murr.local.LocalMurr and murr.server.MurrServer; this file only translates:
// Python values to service calls, Status to murr.errors exceptions (murr.errors.error_for_code),
// Batches to Arrow through the C data interface (the PyCapsule protocol), with no copy of a value.
// Every call that touches the engine releases the GIL, so reads run in parallel on many threads.
#include <Python.h>
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "murr/app/server_app.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/parquet_reader.h"
#include "murr/columnar/arrow_c_data.h"
#include "murr/config/config.h"
#include "murr/core/file_util.h"
#include "murr/core/half_float.h"
#include "murr/service/table_service.h"

namespace nb = nanobind;

namespace {

// A failed Status on its way to Python: translated into murr.errors.error_for_code(code, message).
struct EngineError {
  murr::StatusCode code;
  std::string message;
};

void Check(const murr::Status& st) {
  if (!st.ok()) throw EngineError{st.code(), st.message()};
}
template <typename T>
T Take(murr::Result<T> r) {
  if (!r.ok()) throw EngineError{r.status().code(), r.status().message()};
  return std::move(r).value();
}

// The keys of a read, as the engine's ReadKeys (core/read_keys.h) converts them for the table's key
// type: a 1-d buffer of int64 / uint64 (a NumPy array: its values are the key bytes, no copy), or
// a sequence of str and int (UTF-8 views of the str, valid while `holds` keeps the objects alive,
// so that a list another thread changes while the GIL is released cannot pull the bytes away).
struct Keys {
  Keys() = default;
  Keys(const Keys&) = delete;
  Keys& operator=(const Keys&) = delete;
  ~Keys() {
    if (has_buffer) PyBuffer_Release(&buffer);
  }
  size_t size() const { return read.size(); }

  std::vector<nb::object> holds;
  std::vector<murr::KeyToken> tokens;
  std::vector<std::string> texts;  // literals of ints beyond 64 bits and of floats
  Py_buffer buffer{};
  bool has_buffer = false;
  murr::ReadKeys read;
};

// True for a struct-module format of an 8-byte integer ("q", "<Q", "=l", ...); *is_signed.
bool IsInt64Format(const char* format, Py_ssize_t itemsize, bool* is_signed) {
  if (format == nullptr || itemsize != 8) return false;
  std::string_view f(format);
  if (!f.empty() && (f[0] == '<' || f[0] == '=' || f[0] == '@')) f.remove_prefix(1);
  if (f.size() != 1) return false;
  if (f[0] == 'q' || f[0] == 'l') {
    *is_signed = true;
    return true;
  }
  if (f[0] == 'Q' || f[0] == 'L') {
    *is_signed = false;
    return true;
  }
  return false;
}

void ReadKeys(nb::handle keys, Keys* out) {
  PyObject* obj = keys.ptr();
  if (!PyUnicode_Check(obj) && !PyBytes_Check(obj) && PyObject_CheckBuffer(obj)) {
    if (PyObject_GetBuffer(obj, &out->buffer, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) != 0) {
      PyErr_Clear();  // not a contiguous buffer: read it as a sequence below
    } else {
      out->has_buffer = true;
      bool is_signed = false;
      if (out->buffer.ndim == 1 &&
          IsInt64Format(out->buffer.format, out->buffer.itemsize, &is_signed)) {
        out->read = murr::ReadKeys::Integers(out->buffer.buf,
                                             static_cast<size_t>(out->buffer.shape[0]), is_signed);
        return;
      }
      PyBuffer_Release(&out->buffer);
      out->has_buffer = false;
    }
  }
  nb::object seq = nb::steal(PySequence_Fast(obj, "keys must be a sequence of str or int"));
  if (!seq.is_valid()) throw nb::python_error();
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  out->holds.reserve(static_cast<size_t>(n) + 1);
  out->holds.push_back(seq);
  out->tokens.resize(static_cast<size_t>(n));
  out->texts.reserve(8);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = items[i];
    murr::KeyToken& t = out->tokens[static_cast<size_t>(i)];
    if (PyUnicode_Check(item)) {
      Py_ssize_t size = 0;
      const char* utf8 = PyUnicode_AsUTF8AndSize(item, &size);
      if (!utf8) throw nb::python_error();
      t.kind = murr::KeyToken::Kind::kString;
      t.text = std::string_view(utf8, static_cast<size_t>(size));
      continue;
    }
    if (PyFloat_Check(item)) {
      t.kind = murr::KeyToken::Kind::kFloat;
      out->texts.push_back(nb::cast<std::string>(nb::repr(nb::handle(item))));
      continue;
    }
    if (PyBool_Check(item) || (!PyLong_Check(item) && !PyIndex_Check(item))) {
      throw EngineError{
          murr::StatusCode::kInvalidArgument,
          "keys must be str or int; key " + std::to_string(i) + " is " + Py_TYPE(item)->tp_name};
    }
    // An int, or an integer with __index__ (a NumPy integer scalar).
    nb::object value = nb::steal(PyNumber_Index(item));
    if (!value.is_valid()) throw nb::python_error();
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow == 0) {
      if (v == -1 && PyErr_Occurred()) throw nb::python_error();
      t.kind = murr::KeyToken::Kind::kInt64;
      t.bits = static_cast<uint64_t>(v);
      continue;
    }
    if (overflow > 0) {
      unsigned long long u = PyLong_AsUnsignedLongLong(value.ptr());
      if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) {
        t.kind = murr::KeyToken::Kind::kUInt64;
        t.bits = u;
        continue;
      }
      PyErr_Clear();
    }
    t.kind = murr::KeyToken::Kind::kBigInteger;
    out->texts.push_back(nb::cast<std::string>(nb::str(value)));
  }
  // The literals' storage is complete: point the tokens at it.
  size_t next = 0;
  for (murr::KeyToken& t : out->tokens) {
    if (t.kind == murr::KeyToken::Kind::kFloat || t.kind == murr::KeyToken::Kind::kBigInteger) {
      t.text = out->texts[next++];
    }
  }
  out->read = murr::ReadKeys::Tokens(out->tokens);
}

std::vector<std::string> ReadColumns(nb::handle columns) {
  std::vector<std::string> out;
  for (nb::handle c : columns) {
    if (!PyUnicode_Check(c.ptr())) {
      throw EngineError{murr::StatusCode::kInvalidArgument, "columns must be str"};
    }
    std::string name = nb::cast<std::string>(c);
    // The same rule and words as the HTTP fetch request's parser (codec/fetch_request.cc).
    if (std::find(out.begin(), out.end(), name) != out.end()) {
      throw EngineError{murr::StatusCode::kInvalidArgument,
                        "invalid fetch request: column '" + name + "' is requested twice"};
    }
    out.push_back(std::move(name));
  }
  return out;
}

// A read result that Arrow consumers import through __arrow_c_array__ (the PyCapsule protocol).
class NativeBatch {
 public:
  explicit NativeBatch(std::shared_ptr<const murr::Batch> batch) : batch_(std::move(batch)) {}

  int64_t num_rows() const { return batch_->num_rows; }

  // The PyCapsule protocol lets a consumer ask for a schema; Murr hands out its own types (the
  // protocol allows that), and a consumer that wants others casts afterwards.
  nb::tuple ArrowCArray(nb::handle /*requested_schema*/) const {
    auto* schema = new ArrowSchema();
    murr::ExportSchema(batch_->fields, schema);
    auto* array = new ArrowArray();
    murr::ExportBatch(batch_, array);
    nb::object schema_capsule = nb::steal(PyCapsule_New(schema, "arrow_schema", &DeleteSchema));
    nb::object array_capsule = nb::steal(PyCapsule_New(array, "arrow_array", &DeleteArray));
    return nb::make_tuple(schema_capsule, array_capsule);
  }

  nb::tuple ArrowCSchema() const {
    auto* schema = new ArrowSchema();
    murr::ExportSchema(batch_->fields, schema);
    return nb::make_tuple(nb::steal(PyCapsule_New(schema, "arrow_schema", &DeleteSchema)));
  }

  // Address of a column's value buffer (the zero-copy test compares it with pyarrow's).
  uintptr_t ValuesAddress(size_t column) const {
    if (column >= batch_->columns.size()) throw nb::index_error("no such column");
    return reinterpret_cast<uintptr_t>(batch_->columns[column].values.data());
  }

 private:
  // The capsule destructors run when a consumer did not take the struct (release still set).
  static void DeleteSchema(PyObject* capsule) {
    auto* s = static_cast<ArrowSchema*>(PyCapsule_GetPointer(capsule, "arrow_schema"));
    if (s && s->release) s->release(s);
    delete s;
  }
  static void DeleteArray(PyObject* capsule) {
    auto* a = static_cast<ArrowArray*>(PyCapsule_GetPointer(capsule, "arrow_array"));
    if (a && a->release) a->release(a);
    delete a;
  }

  std::shared_ptr<const murr::Batch> batch_;
};

// Value of row i of a numeric or bool column as a double/float for read_numpy.
template <typename Out>
void FillColumn(const murr::Column& c, Out* out, size_t stride, Out fill) {
  const int64_t n = c.length;
  auto put = [&](auto read) {
    for (int64_t i = 0; i < n; ++i) {
      out[static_cast<size_t>(i) * stride] = c.IsValid(i) ? static_cast<Out>(read(i)) : fill;
    }
  };
  using murr::TypeId;
  switch (c.type.id) {
    case TypeId::kBool:
      put([&](int64_t i) { return c.BoolValue(i) ? 1 : 0; });
      return;
    case TypeId::kInt8:
      put([&](int64_t i) { return c.Value<int8_t>(i); });
      return;
    case TypeId::kInt16:
      put([&](int64_t i) { return c.Value<int16_t>(i); });
      return;
    case TypeId::kInt32:
      put([&](int64_t i) { return c.Value<int32_t>(i); });
      return;
    case TypeId::kInt64:
      put([&](int64_t i) { return c.Value<int64_t>(i); });
      return;
    case TypeId::kUInt8:
      put([&](int64_t i) { return c.Value<uint8_t>(i); });
      return;
    case TypeId::kUInt16:
      put([&](int64_t i) { return c.Value<uint16_t>(i); });
      return;
    case TypeId::kUInt32:
      put([&](int64_t i) { return c.Value<uint32_t>(i); });
      return;
    case TypeId::kUInt64:
      put([&](int64_t i) { return c.Value<uint64_t>(i); });
      return;
    case TypeId::kFloat16:
      put([&](int64_t i) { return murr::HalfToFloat(c.Value<uint16_t>(i)); });
      return;
    case TypeId::kFloat32:
      put([&](int64_t i) { return c.Value<float>(i); });
      return;
    case TypeId::kFloat64:
      put([&](int64_t i) { return c.Value<double>(i); });
      return;
    // Not numbers a model takes as they are (the Python side refuses them first, by name).
    case TypeId::kUtf8:
    case TypeId::kBinary:
    case TypeId::kDate32:
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampUs:
    case TypeId::kTimestampNs:
    case TypeId::kFixedSizeList:
    case TypeId::kList:
      break;
  }
  throw EngineError{
      murr::StatusCode::kInvalidArgument,
      "read_numpy needs numeric or bool columns; a column is " + murr::DataTypeName(c.type)};
}

// The engine over one cache_dir (murr.LocalMurr).
class Engine {
 public:
  Engine(const std::string& cache_dir, const std::string& config_text) {
    murr::Config config = Take(murr::LoadConfigText(config_text, "LocalMurr options", {}));
    config.cache_dir = cache_dir;
    nb::gil_scoped_release release;
    Check(murr::ResolveCacheDir(&config));
    service_ = std::shared_ptr<murr::TableService>(
        Take(murr::TableService::Open(murr::ServiceOptionsFromConfig(config))));
  }

  void Create(const std::string& name, const std::string& schema_json) {
    auto service = Service();
    murr::TableSchema schema = Take(murr::TableSchema::FromJson(schema_json));
    nb::gil_scoped_release release;
    Check(service->CreateTable(name, schema));
  }
  void Drop(const std::string& name) {
    auto service = Service();
    nb::gil_scoped_release release;
    Check(service->DropTable(name));
  }
  std::vector<std::pair<std::string, std::string>> ListTables() {
    auto service = Service();
    std::vector<murr::TableInfo> tables;
    {
      nb::gil_scoped_release release;
      tables = service->ListTables();
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const murr::TableInfo& t : tables) out.emplace_back(t.name, t.schema.ToJson());
    return out;
  }
  std::string Schema(const std::string& name) {
    auto service = Service();
    return Take(service->GetSchema(name)).ToJson();
  }
  std::string Status(const std::string& name) {
    auto service = Service();
    return murr::TableStatusJson(Take(service->GetStatus(name)));
  }
  // An Arrow IPC stream (the Python side makes one from any Arrow-compatible input).
  int64_t WriteIpc(const std::string& name, nb::bytes data) {
    auto service = Service();
    murr::Buffer input = murr::Buffer::Copy(data.c_str(), data.size());
    nb::gil_scoped_release release;
    std::vector<murr::Batch> batches = Take(murr::ReadArrowIpcStream(input));
    return Take(service->Write(name, batches));
  }
  int64_t WriteParquet(const std::string& name, const std::string& path) {
    auto service = Service();
    nb::gil_scoped_release release;
    auto bytes = std::make_shared<std::string>();
    Check(murr::ReadFile(path, bytes.get()));
    murr::Buffer file(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), bytes);
    murr::TableSchema schema = Take(service->GetSchema(name));
    murr::Batch batch =
        Take(murr::ReadParquet(file, {}, murr::ParquetReadOptions(), schema.columns()));
    return Take(service->Write(name, {batch}));
  }
  NativeBatch Read(const std::string& name, nb::handle keys, nb::handle columns) {
    auto service = Service();
    Keys k;
    ReadKeys(keys, &k);
    std::vector<std::string> cols = ReadColumns(columns);
    std::shared_ptr<const murr::Batch> batch;
    {
      nb::gil_scoped_release release;
      batch = std::make_shared<const murr::Batch>(Take(service->Read(name, k.read, cols)));
    }
    return NativeBatch(std::move(batch));
  }
  // Fills `out` (C-contiguous, len(keys) x len(columns), float32 or float64) from the engine.
  template <typename Out>
  void ReadInto(const std::string& name, nb::handle keys, nb::handle columns,
                nb::ndarray<Out, nb::ndim<2>, nb::c_contig, nb::device::cpu> out, Out fill) {
    auto service = Service();
    Keys k;
    ReadKeys(keys, &k);
    std::vector<std::string> cols = ReadColumns(columns);
    if (out.shape(0) != k.size() || out.shape(1) != cols.size()) {
      throw EngineError{murr::StatusCode::kInvalidArgument,
                        "the output array must have shape (len(keys), len(columns))"};
    }
    Out* data = out.data();
    nb::gil_scoped_release release;
    murr::Batch batch = Take(service->Read(name, k.read, cols));
    for (size_t j = 0; j < batch.columns.size(); ++j) {
      FillColumn<Out>(batch.columns[j], data + j, cols.size(), fill);
    }
  }
  void Close() { service_.reset(); }
  bool closed() const { return !service_; }

 private:
  std::shared_ptr<murr::TableService> Service() const {
    if (!service_) throw EngineError{murr::StatusCode::kInvalidArgument, "LocalMurr is closed"};
    return service_;  // a copy: a close() on another thread cannot free it under this call
  }
  std::shared_ptr<murr::TableService> service_;
};

// The HTTP and Flight servers in this process (murr.server.MurrServer).
class Server {
 public:
  explicit Server(const std::string& config_text) {
    murr::Config config = Take(murr::LoadConfigText(config_text, "MurrServer config", {}));
    nb::gil_scoped_release release;
    app_ = Take(murr::ServerApp::Start(std::move(config)));
  }
  std::string host() const { return App()->http_host(); }
  int http_port() const { return App()->http_port(); }
  int flight_port() const { return App()->flight_port(); }
  bool tls() const { return App()->tls(); }
  std::string cache_dir() const { return App()->config().cache_dir; }
  void Stop() {
    nb::gil_scoped_release release;
    if (app_) app_->Stop();
    app_.reset();
  }
  bool running() const { return app_ != nullptr; }

 private:
  murr::ServerApp* App() const {
    if (!app_) throw EngineError{murr::StatusCode::kInvalidArgument, "the server is stopped"};
    return app_.get();
  }
  std::unique_ptr<murr::ServerApp> app_;
};

void InstallLogger() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = spdlog::stderr_color_mt("murr");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
  });
}

}  // namespace

NB_MODULE(_native, m) {
  m.doc() =
      "Murr's engine and server inside a Python process (used by murr.LocalMurr and "
      "murr.server.MurrServer).";
  InstallLogger();

  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const EngineError& e) {
      nb::object errors = nb::module_::import_("murr.errors");
      nb::object exc =
          errors.attr("error_for_code")(std::string(murr::StatusCodeName(e.code)), e.message);
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });

  m.def("set_log_level", [](const std::string& level) {
    spdlog::level::level_enum l = spdlog::level::from_str(level);
    if (l == spdlog::level::off && level != "off") {
      throw EngineError{
          murr::StatusCode::kInvalidArgument,
          "unknown log level '" + level + "' (trace, debug, info, warn, error, critical, off)"};
    }
    spdlog::set_level(l);
  });

  nb::class_<NativeBatch>(m, "NativeBatch")
      .def_prop_ro("num_rows", &NativeBatch::num_rows)
      .def("__arrow_c_array__", &NativeBatch::ArrowCArray,
           nb::arg("requested_schema").none() = nb::none())
      .def("__arrow_c_schema__", &NativeBatch::ArrowCSchema)
      .def("values_address", &NativeBatch::ValuesAddress);

  nb::class_<Engine>(m, "Engine")
      .def(nb::init<const std::string&, const std::string&>())
      .def("create", &Engine::Create)
      .def("drop", &Engine::Drop)
      .def("list_tables", &Engine::ListTables)
      .def("schema", &Engine::Schema)
      .def("status", &Engine::Status)
      .def("write_ipc", &Engine::WriteIpc)
      .def("write_parquet", &Engine::WriteParquet)
      .def("read", &Engine::Read)
      // noconvert: a float64 array must not be copied into a float32 temporary and filled there.
      .def("read_into", &Engine::ReadInto<float>, nb::arg("table"), nb::arg("keys"),
           nb::arg("columns"), nb::arg("out").noconvert(), nb::arg("fill"))
      .def("read_into", &Engine::ReadInto<double>, nb::arg("table"), nb::arg("keys"),
           nb::arg("columns"), nb::arg("out").noconvert(), nb::arg("fill"))
      .def("close", &Engine::Close)
      .def_prop_ro("closed", &Engine::closed);

  nb::class_<Server>(m, "Server")
      .def(nb::init<const std::string&>())
      .def_prop_ro("host", &Server::host)
      .def_prop_ro("http_port", &Server::http_port)
      .def_prop_ro("flight_port", &Server::flight_port)
      .def_prop_ro("tls", &Server::tls)
      .def_prop_ro("cache_dir", &Server::cache_dir)
      .def_prop_ro("running", &Server::running)
      .def("stop", &Server::Stop);
}
