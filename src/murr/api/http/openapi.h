// The OpenAPI 3.1 description of every HTTP route, served at GET /openapi.json. A constant
// document; thread-safe.
#pragma once

#include <string_view>

namespace murr::http {

std::string_view OpenApiDocument();

}  // namespace murr::http
