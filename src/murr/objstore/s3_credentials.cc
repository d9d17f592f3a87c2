#include "murr/objstore/s3_credentials.h"

#include <cstdlib>
#include <fstream>
#include <map>

namespace murr {
namespace {

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

// section -> key -> value of an INI file; false when it cannot be read.
bool ReadIni(const std::string& path,
             std::map<std::string, std::map<std::string, std::string>>* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    (*out)[section][Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  return true;
}

class EnvProvider : public CredentialProvider {
 public:
  explicit EnvProvider(EnvLookup env) : env_(std::move(env)) {}
  Result<std::optional<AwsCredentials>> Get() override {
    auto id = env_("AWS_ACCESS_KEY_ID");
    auto secret = env_("AWS_SECRET_ACCESS_KEY");
    if (!id || id->empty()) return std::optional<AwsCredentials>();
    if (!secret || secret->empty()) {
      return Status::InvalidArgument("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
    AwsCredentials c{*id, *secret, env_("AWS_SESSION_TOKEN").value_or("")};
    return std::optional<AwsCredentials>(std::move(c));
  }
  std::string Describe() const override { return "environment (AWS_ACCESS_KEY_ID)"; }

 private:
  EnvLookup env_;
};

class ProfileProvider : public CredentialProvider {
 public:
  explicit ProfileProvider(EnvLookup env) : env_(std::move(env)) {}
  Result<std::optional<AwsCredentials>> Get() override {
    std::string profile = env_("AWS_PROFILE").value_or("default");
    if (profile.empty()) profile = "default";
    std::string home = env_("HOME").value_or("");
    std::string creds = env_("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
    std::string config = env_("AWS_CONFIG_FILE").value_or(home + "/.aws/config");
    std::map<std::string, std::map<std::string, std::string>> c, f;
    std::map<std::string, std::string> keys;
    if (ReadIni(creds, &c) && c.count(profile)) keys = c[profile];
    if (keys.empty() && ReadIni(config, &f)) {
      std::string section = profile == "default" ? "default" : "profile " + profile;
      if (f.count(section)) keys = f[section];
    }
    if (keys.empty()) {
      if (env_("AWS_PROFILE")) {
        return Status::InvalidArgument("AWS_PROFILE '" + profile + "' is in neither '" + creds +
                                       "' nor '" + config + "'");
      }
      return std::optional<AwsCredentials>();
    }
    if (keys["aws_access_key_id"].empty() || keys["aws_secret_access_key"].empty()) {
      return Status::InvalidArgument("profile '" + profile +
                                     "' lacks aws_access_key_id or aws_secret_access_key");
    }
    AwsCredentials out{keys["aws_access_key_id"], keys["aws_secret_access_key"],
                       keys["aws_session_token"]};
    return std::optional<AwsCredentials>(std::move(out));
  }
  std::string Describe() const override {
    return "profile '" + env_("AWS_PROFILE").value_or("default") + "' in the shared files";
  }

 private:
  EnvLookup env_;
};

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::unique_ptr<CredentialProvider> EnvCredentials(EnvLookup env) {
  return std::make_unique<EnvProvider>(std::move(env));
}

std::unique_ptr<CredentialProvider> ProfileCredentials(EnvLookup env) {
  return std::make_unique<ProfileProvider>(std::move(env));
}

Result<std::optional<AwsCredentials>> CredentialChain::Get() {
  for (auto& p : providers_) {
    MURR_ASSIGN_OR_RETURN(std::optional<AwsCredentials> c, p->Get());
    if (c) return c;
  }
  return Status::NotFound("no AWS credentials found (looked in: " + Describe() +
                          "); set them, or s3.anonymous: true for a public bucket");
}

std::string CredentialChain::Describe() const {
  std::string out;
  for (const auto& p : providers_) out += (out.empty() ? "" : ", ") + p->Describe();
  return out;
}

std::unique_ptr<CredentialProvider> DefaultCredentialChain(EnvLookup env) {
  std::vector<std::unique_ptr<CredentialProvider>> v;
  v.push_back(EnvCredentials(env));
  v.push_back(ProfileCredentials(env));
  return std::make_unique<CredentialChain>(std::move(v));
}

}  // namespace murr
