// AWS credentials and the providers that find them, in the AWS SDKs' order: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then AWS_PROFILE (or
// "default") in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials) and
// config file (AWS_CONFIG_FILE, ~/.aws/config). A chain asks each provider in turn; instance
// metadata (IMDSv2) and web identity are further providers to append. Secrets are never logged:
// Describe() names where credentials came from, never what they are. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "murr/core/status.h"

namespace murr {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;  // secret
  std::string session_token;      // secret; empty for long-term keys
};

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // nullopt: this provider has none (the chain asks the next); an error: it has some but they
  // are unusable (a profile without its secret).
  virtual Result<std::optional<AwsCredentials>> Get() = 0;
  virtual std::string Describe() const = 0;
};

// Reads a variable of the environment; the default is getenv (tests pass their own).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

std::unique_ptr<CredentialProvider> EnvCredentials(EnvLookup env);
std::unique_ptr<CredentialProvider> ProfileCredentials(EnvLookup env);

class CredentialChain : public CredentialProvider {
 public:
  explicit CredentialChain(std::vector<std::unique_ptr<CredentialProvider>> providers)
      : providers_(std::move(providers)) {}
  // NotFound naming every provider asked when none has credentials.
  Result<std::optional<AwsCredentials>> Get() override;
  std::string Describe() const override;

 private:
  std::vector<std::unique_ptr<CredentialProvider>> providers_;
};

// Environment, then profile files.
std::unique_ptr<CredentialProvider> DefaultCredentialChain(EnvLookup env = ProcessEnv());

}  // namespace murr
