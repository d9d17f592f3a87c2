#include "murr/api/http/openapi.h"

#include <string>

#include "murr/core/types.h"

namespace murr::http {
namespace {

// Kept by hand beside routes.cc; tests/api checks that every route the server answers is here.
// The links chain create -> write -> fetch / schema -> status -> drop for schemathesis' stateful
// run (tests/fuzz_api). fetch has none: schemathesis starts its chains at every POST that has
// links (taking it for a create), and would then never start one at PUT (the real create).
constexpr std::string_view kDocument = R"JSON({
  "openapi": "3.1.0",
  "info": {
    "title": "Murr",
    "version": "1",
    "description": "Columnar cache for ML features: tables of typed columns keyed by a utf8, int64 or uint64 key, written as whole batches (JSON columns, Arrow IPC stream, Parquet) and read by key batches as JSON or Arrow IPC."
  },
  "paths": {
    "/health": {
      "get": {
        "summary": "Liveness check",
        "operationId": "health",
        "responses": {
          "200": {"description": "The server is up", "content": {"text/plain": {"schema": {"type": "string", "const": "OK"}}}}
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "operationId": "openapi",
        "responses": {
          "200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "description": "Requests and latency histograms per route; rows, segments and bytes per table.",
        "operationId": "metrics",
        "responses": {
          "200": {"description": "Prometheus text exposition format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}}
        }
      }
    },
    "/api/v1/table": {
      "get": {
        "summary": "List tables with their schemas",
        "operationId": "listTables",
        "responses": {
          "200": {"description": "Table name to schema", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/TableSchema"}}}}}
        }
      }
    },
    "/api/v1/table/{name}": {
      "parameters": [{"$ref": "#/components/parameters/TableName"}],
      "put": {
        "summary": "Create a table",
        "operationId": "createTable",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TableSchema"}}}},
        "responses": {
          "201": {
            "description": "Created",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"created": {"type": "string"}}, "required": ["created"]}}},
            "links": {
              "write": {"operationId": "write", "parameters": {"name": "$response.body#/created"}},
              "writeKeys": {"operationId": "write", "parameters": {"name": "$response.body#/created"}, "requestBody": {"columns": {"$request.body#/key": ["k", "k2"]}}},
              "fetch": {"operationId": "fetch", "parameters": {"name": "$response.body#/created"}},
              "fetchKeyColumn": {"operationId": "fetch", "parameters": {"name": "$response.body#/created"}, "requestBody": {"keys": ["k"], "columns": ["$request.body#/key"]}},
              "getSchema": {"operationId": "getSchema", "parameters": {"name": "$response.body#/created"}},
              "getStatus": {"operationId": "getStatus", "parameters": {"name": "$response.body#/created"}},
              "dropTable": {"operationId": "dropTable", "parameters": {"name": "$response.body#/created"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "507": {"$ref": "#/components/responses/InsufficientStorage"}
        }
      },
      "delete": {
        "summary": "Drop a table and its data",
        "operationId": "dropTable",
        "responses": {
          "200": {
            "description": "Dropped",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"dropped": {"type": "string"}}, "required": ["dropped"]}}},
            "links": {
              "getSchema": {"operationId": "getSchema", "parameters": {"name": "$response.body#/dropped"}},
              "getStatus": {"operationId": "getStatus", "parameters": {"name": "$response.body#/dropped"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/SourcedTable"}
        }
      }
    },
    "/api/v1/table/{name}/schema": {
      "parameters": [{"$ref": "#/components/parameters/TableName"}],
      "get": {
        "summary": "A table's schema",
        "operationId": "getSchema",
        "responses": {
          "200": {
            "description": "The schema",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TableSchema"}}},
            "links": {
              "getStatus": {"operationId": "getStatus", "parameters": {"name": "$request.path.name"}},
              "fetchKeyColumn": {"operationId": "fetch", "parameters": {"name": "$request.path.name"}, "requestBody": {"keys": ["k"], "columns": ["$response.body#/key"]}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/table/{name}/status": {
      "parameters": [{"$ref": "#/components/parameters/TableName"}],
      "get": {
        "summary": "Whether a table serves, its size, and the sync of its source",
        "description": "state is serving (with rows, segments and bytes) or quarantined (with the reason and where its files were moved; the table answers 503 until dropped). A table loaded from a source (configuration tables:) also has source, partition (being served, null before the first load), partition_rows, loaded_at, last_check, next_check (RFC 3339 UTC, null for never), last_error (of the last check, null when it succeeded), loading, loads, failures and bytes_downloaded.",
        "operationId": "getStatus",
        "responses": {
          "200": {
            "description": "The table's status",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TableStatus"}}},
            "links": {
              "dropTable": {"operationId": "dropTable", "parameters": {"name": "$response.body#/table"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/api/v1/table/{name}/fetch": {
      "parameters": [{"$ref": "#/components/parameters/TableName"}],
      "post": {
        "summary": "Read columns for a batch of keys",
        "description": "Rows follow the order of keys (duplicates repeated); a key not in the table gives a row of nulls. The reply is an Arrow IPC stream when the Accept header contains application/vnd.apache.arrow.stream, JSON columns otherwise.",
        "operationId": "fetch",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FetchRequest"}}}},
        "responses": {
          "200": {
            "description": "The requested columns, in request order",
            "content": {
              "application/json": {"schema": {"$ref": "#/components/schemas/Columns"}},
              "application/vnd.apache.arrow.stream": {"schema": {"type": "string", "contentMediaType": "application/vnd.apache.arrow.stream"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/table/{name}/write": {
      "parameters": [{"$ref": "#/components/parameters/TableName"}],
      "put": {
        "summary": "Write a batch (one new segment; a key written again replaces its whole row)",
        "description": "The body's format is chosen by Content-Type. The write is durable when acknowledged; a rejected write changes nothing.",
        "operationId": "write",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Columns"}},
            "application/vnd.apache.arrow.stream": {"schema": {"type": "string", "contentMediaType": "application/vnd.apache.arrow.stream"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "contentMediaType": "application/vnd.apache.parquet"}}
          }
        },
        "responses": {
          "200": {
            "description": "Rows written",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"rows": {"type": "integer"}}, "required": ["rows"]}}},
            "links": {
              "fetch": {"operationId": "fetch", "parameters": {"name": "$request.path.name"}},
              "getSchema": {"operationId": "getSchema", "parameters": {"name": "$request.path.name"}},
              "getStatus": {"operationId": "getStatus", "parameters": {"name": "$request.path.name"}},
              "dropTable": {"operationId": "dropTable", "parameters": {"name": "$request.path.name"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "409": {"$ref": "#/components/responses/SourcedTable"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "503": {"$ref": "#/components/responses/Unavailable"},
          "507": {"$ref": "#/components/responses/InsufficientStorage"}
        }
      }
    }
  },
  "components": {
    "parameters": {
      "TableName": {"name": "name", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$"}}
    },
    "schemas": {
      "DataType": @DATA_TYPE@,
      "ColumnSchema": {
        "type": "object",
        "properties": {"dtype": {"$ref": "#/components/schemas/DataType"}, "nullable": {"type": "boolean", "default": true}, "timezone": {"type": "string", "maxLength": 64, "description": "timestamp columns only: an IANA zone name (metadata; values are UTC instants)"}},
        "required": ["dtype"],
        "additionalProperties": false
      },
      "TableSchema": {
        "type": "object",
        "properties": {
          "key": {"type": "string", "minLength": 1, "maxLength": 255, "description": "The key column: one of columns, utf8, int64 or uint64, not nullable"},
          "columns": {"type": "object", "maxProperties": 4096, "propertyNames": {"minLength": 1, "maxLength": 255}, "additionalProperties": {"$ref": "#/components/schemas/ColumnSchema"}, "description": "Column name (1 to 255 bytes of UTF-8) to its type; at most 4096 columns"}
        },
        "required": ["key", "columns"],
        "additionalProperties": false
      },
      "Columns": {
        "type": "object",
        "properties": {
          "columns": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": ["string", "number", "integer", "boolean", "null"]}}, "description": "Column name to values, all of equal length. Floats may also be the strings NaN, Infinity, -Infinity."}
        },
        "required": ["columns"],
        "additionalProperties": false
      },
      "FetchRequest": {
        "type": "object",
        "properties": {
          "keys": {"type": "array", "items": {"type": ["string", "integer"]}, "description": "At most server.http.max_fetch_keys keys: strings for a utf8 key; integers (or their decimal strings) for an int64 or uint64 key"},
          "columns": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 4096, "uniqueItems": true},
          "table": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$", "description": "Optional; when present it must equal the path's table"}
        },
        "required": ["keys", "columns"],
        "additionalProperties": false
      },
      "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
      "TableStatus": {
        "type": "object",
        "properties": {
          "table": {"type": "string"},
          "state": {"type": "string", "enum": ["serving", "quarantined"]},
          "rows": {"type": "integer", "minimum": 0},
          "segments": {"type": "integer", "minimum": 0},
          "bytes": {"type": "integer", "minimum": 0},
          "reason": {"type": "string"},
          "moved_to": {"type": "string"},
          "source": {"type": "string", "description": "file:///path/ or s3://bucket/prefix/"},
          "partition": {"type": ["string", "null"]},
          "partition_rows": {"type": "integer", "minimum": 0},
          "loaded_at": {"type": ["string", "null"], "format": "date-time"},
          "last_check": {"type": ["string", "null"], "format": "date-time"},
          "next_check": {"type": ["string", "null"], "format": "date-time"},
          "last_error": {"type": ["string", "null"]},
          "loading": {"type": "boolean"},
          "loads": {"type": "integer", "minimum": 0},
          "failures": {"type": "integer", "minimum": 0},
          "bytes_downloaded": {"type": "integer", "minimum": 0}
        },
        "required": ["table", "state"]
      }
    },
    "responses": {
      "BadRequest": {"description": "Malformed body, unknown column, type mismatch or invalid table name", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "No such table", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Conflict": {"description": "The table exists, or it is loaded from a source", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "SourcedTable": {"description": "The table is loaded from a source (configuration tables:) and cannot be written or dropped through the API", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "The body is over server.http.max_body_bytes, or a Parquet body decodes to more than server.http.max_decoded_bytes", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unavailable": {"description": "The table is quarantined (it could not be opened); the message says why", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "InsufficientStorage": {"description": "The disk is full; nothing was written", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "UnsupportedMediaType": {"description": "Content-Type not accepted by this route", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  }
}
)JSON";

// The DataType schema, from the type descriptions (core/types.h): the scalar names, or a
// fixed-size list "<integer or float type>[<n>]" (n 1..65536, checked by the server), or a list
// "<scalar type>[]".
std::string DataTypeSchema() {
  std::string names = "\"" + ScalarTypeNames("\", \"") + "\"";
  std::string items;
  for (int i = 0; i < kNumTypeIds; ++i) {
    if (!IsNumericItem(static_cast<TypeId>(i))) continue;
    if (!items.empty()) items += '|';
    items += Info(static_cast<TypeId>(i)).name;
  }
  return "{\"anyOf\": [{\"type\": \"string\", \"enum\": [" + names +
         "]}, {\"type\": \"string\", \"pattern\": \"^(" + items +
         ")\\\\[[1-9][0-9]{0,4}\\\\]$\", \"description\": \"a fixed-size list (Arrow "
         "FixedSizeList) of 1..65536 values\"}, {\"type\": \"string\", \"pattern\": \"^(" +
         ScalarTypeNames("|") +
         ")\\\\[\\\\]$\", \"description\": \"a list (Arrow List) of any number of values "
         "of a scalar type; items may be null\"}]}";
}

std::string BuildDocument() {
  std::string doc(kDocument);
  const std::string_view placeholder = "@DATA_TYPE@";
  doc.replace(doc.find(placeholder), placeholder.size(), DataTypeSchema());
  return doc;
}

}  // namespace

std::string_view OpenApiDocument() {
  static const std::string document = BuildDocument();
  return document;
}

}  // namespace murr::http
