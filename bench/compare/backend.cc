#include "bench/compare/backend.h"

namespace murr::compare {

void ReadResult::Reset(int num_columns, size_t num_keys) {
  columns.resize(static_cast<size_t>(num_columns));
  for (auto& c : columns) c.assign(num_keys, 0.0f);
  found.assign(num_keys, 0);
}

std::vector<std::unique_ptr<Backend>> AllBackends(const Workload& w) {
  std::vector<std::unique_ptr<Backend>> all;
  all.push_back(MakeMurrEngineBackend(w));
  all.push_back(MakeMurrHttpBackend(w, /*arrow_replies=*/true));
  all.push_back(MakeMurrHttpBackend(w, /*arrow_replies=*/false));
  all.push_back(MakeMurrFlightBackend(w));
  all.push_back(MakeRedisBlobBackend(w));
  all.push_back(MakeRedisFeastBackend(w));
  all.push_back(MakePostgresBackend(w, /*bytea_layout=*/true));
  all.push_back(MakePostgresBackend(w, /*bytea_layout=*/false));
  all.push_back(MakeUpstreamMurrBackend(w));
  return all;
}

}  // namespace murr::compare
