#include "services/config.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "yaml-cpp/yaml.h"

namespace footprint::services {

eventstore::StoreOptions ServerConfig::ToStoreOptions() const {
  eventstore::StoreOptions options;
  options.data_dir = data_dir;
  options.max_event_bytes = max_event_bytes;
  options.max_batch_events = max_batch_events;
  options.max_batch_bytes = max_batch_bytes;
  options.log_sink = RocksDbLogSink(data_dir);
  options.log_level = RocksDbLogLevel();
  return options;
}

namespace {

// Beyond these a value is surely a typo (each thread reserves its stack).
constexpr int kMaxThreads = 256;
constexpr int kMaxLongJobThreads = 16;
constexpr int kMaxLongJobQueue = 1024;

absl::Status CheckRange(const char* key, int value, int min, int max, const char* what) {
  if (value >= min && value <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "config: '", key, "' is ", value, ": it must be from ", min, " to ", max, " (", what, ")"));
}

}  // namespace

absl::Status ServerConfig::ValidateThreads() const {
  if (read_threads < 0) {
    return absl::InvalidArgumentError("config: 'read_threads' must not be negative");
  }
  if (auto st = CheckRange("read_threads", read_threads, 0, kMaxThreads,
                           "threads for short RPC work; 0: one per CPU");
      !st.ok()) {
    return st;
  }
  if (auto st = CheckRange("store_wait_threads", store_wait_threads, 1, kMaxThreads,
                           "threads for calls that wait on a synced write or the read model");
      !st.ok()) {
    return st;
  }
  if (auto st = CheckRange("long_job_threads", long_job_threads, 1, kMaxLongJobThreads,
                           "threads for rebuilds, backups and long verifications");
      !st.ok()) {
    return st;
  }
  return CheckRange("long_job_queue", long_job_queue, 0, kMaxLongJobQueue,
                    "long jobs that may wait for a thread; 0: refuse when all are busy");
}

ExecutorSizes ServerConfig::ToExecutorSizes() const {
  ExecutorSizes sizes;
  sizes.rpc_threads = read_threads > 0
                          ? read_threads
                          : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  sizes.store_wait_threads = store_wait_threads;
  sizes.long_job_threads = long_job_threads;
  sizes.long_job_queue = long_job_queue;
  return sizes;
}

eventstore::StoreLogSeverity RocksDbLogLevel() {
  // RocksDB's INFO lines are logged at debug level: unless that is on, they are not formatted.
  return spdlog::should_log(spdlog::level::debug) ? eventstore::StoreLogSeverity::kInfo
                                                  : eventstore::StoreLogSeverity::kWarning;
}

eventstore::StoreLogSink RocksDbLogSink(const std::string& store) {
  // RocksDB is chatty at INFO (flushes, compactions, its options at every open): those are
  // debug lines here; its warnings and errors are the service's.
  return [store](eventstore::StoreLogSeverity severity, absl::string_view text) {
    const std::string_view line(text.data(), text.size());
    switch (severity) {
      case eventstore::StoreLogSeverity::kError:
        spdlog::error("rocksdb [{}]: {}", store, line);
        break;
      case eventstore::StoreLogSeverity::kWarning:
        spdlog::warn("rocksdb [{}]: {}", store, line);
        break;
      default:
        spdlog::debug("rocksdb [{}]: {}", store, line);
        break;
    }
  };
}

namespace {

// yaml-cpp reports errors with exceptions; they are caught here and never leave this file.
template <typename T>
absl::Status ReadScalar(const YAML::Node& node, const std::string& key, T* out) {
  try {
    *out = node.as<T>();
    return absl::OkStatus();
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: '", key, "' has a value of the wrong type (", e.what(), ")"));
  }
}

absl::Status ReadPositive(const YAML::Node& node, const std::string& key, size_t* out) {
  long long value = 0;
  if (auto st = ReadScalar(node, key, &value); !st.ok()) return st;
  if (value <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("config: '", key, "' must be positive"));
  }
  *out = static_cast<size_t>(value);
  return absl::OkStatus();
}

absl::StatusOr<std::string> KeyOf(const YAML::Node& node) {
  try {
    return node.as<std::string>();
  } catch (const YAML::Exception&) {
    return absl::InvalidArgumentError("config: keys must be strings");
  }
}

template <typename Apply>
absl::Status ReadSection(const YAML::Node& node, const std::string& section, Apply apply) {
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat("config: '", section, "' must be a mapping"));
  }
  for (const auto& entry : node) {
    auto key = KeyOf(entry.first);
    if (!key.ok()) return key.status();
    if (auto st = apply(*key, absl::StrCat(section, ".", *key), entry.second); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status ReadStringList(const YAML::Node& node, const std::string& field,
                            std::vector<std::string>* out) {
  if (!node.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat("config: '", field, "' must be a list"));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item;
    if (auto st = ReadScalar(node[i], absl::StrCat(field, "[", i, "]"), &item); !st.ok()) {
      return st;
    }
    out->push_back(std::move(item));
  }
  return absl::OkStatus();
}

absl::Status ReadEscalation(const YAML::Node& node, domain::EscalationPolicy* policy) {
  if (!node.IsMap()) return absl::InvalidArgumentError("config: 'escalation' must be a mapping");
  for (const auto& entry : node) {
    auto key = KeyOf(entry.first);
    if (!key.ok()) return key.status();
    const std::string qualified = "escalation." + *key;
    const YAML::Node& value = entry.second;
    if (*key == "auto_escalate_on_silence") {
      if (auto st = ReadScalar(value, qualified, &policy->auto_escalate_on_silence); !st.ok()) {
        return st;
      }
    } else if (*key == "themes") {
      policy->themes.clear();
      if (auto st = ReadStringList(value, qualified, &policy->themes); !st.ok()) return st;
    } else if (*key == "stages") {
      if (!value.IsSequence()) {
        return absl::InvalidArgumentError("config: 'escalation.stages' must be a list");
      }
      policy->stages.clear();
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string stage_key = absl::StrCat(qualified, "[", i, "]");
        if (!value[i].IsMap()) {
          return absl::InvalidArgumentError(absl::StrCat("config: '", stage_key,
                                                         "' must be a mapping with name, role "
                                                         "and response_working_days"));
        }
        domain::EscalationStage stage;
        for (const auto& field : value[i]) {
          auto name = KeyOf(field.first);
          if (!name.ok()) return name.status();
          const std::string field_key = absl::StrCat(stage_key, ".", *name);
          absl::Status st;
          if (*name == "name") {
            st = ReadScalar(field.second, field_key, &stage.name);
          } else if (*name == "role") {
            st = ReadScalar(field.second, field_key, &stage.role);
          } else if (*name == "response_working_days") {
            st = ReadScalar(field.second, field_key, &stage.response_working_days);
          } else {
            st = absl::InvalidArgumentError(absl::StrCat("config: unknown key '", field_key, "'"));
          }
          if (!st.ok()) return st;
        }
        policy->stages.push_back(stage);
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("config: unknown key '", qualified, "'"));
    }
  }
  if (auto st = policy->Validate(); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status ReadReviews(const YAML::Node& node, domain::ReviewSettings* r) {
  using domain::ReviewSettings;
  return ReadSection(
      node, "reviews",
      [&](const std::string& key, const std::string& qualified,
          const YAML::Node& value) -> absl::Status {
        if (key == "first_review") {
          std::string v;
          if (auto st = ReadScalar(value, qualified, &v); !st.ok()) return st;
          if (v == "20_working_days") {
            r->first_review = ReviewSettings::FirstReview::kTwentyWorkingDays;
          } else if (v == "28_days") {
            r->first_review = ReviewSettings::FirstReview::kTwentyEightDays;
          } else {
            return absl::InvalidArgumentError(absl::StrCat(
                "config: '", qualified, "' must be 20_working_days or 28_days, not '", v, "'"));
          }
          return absl::OkStatus();
        }
        if (key == "post_move") {
          std::string v;
          if (auto st = ReadScalar(value, qualified, &v); !st.ok()) return st;
          if (v == "off") {
            r->post_move = ReviewSettings::PostMove::kOff;
          } else if (v == "20_working_days") {
            r->post_move = ReviewSettings::PostMove::kTwentyWorkingDays;
          } else if (v == "28_days") {
            r->post_move = ReviewSettings::PostMove::kTwentyEightDays;
          } else {
            return absl::InvalidArgumentError(
                absl::StrCat("config: '", qualified,
                             "' must be off, 20_working_days or 28_days, not '", v, "'"));
          }
          return absl::OkStatus();
        }
        if (key == "unregistered_monthly")
          return ReadScalar(value, qualified, &r->unregistered_monthly);
        if (key == "report_days_before")
          return ReadScalar(value, qualified, &r->report_days_before);
        if (key == "recommendations_days_after") {
          return ReadScalar(value, qualified, &r->recommendations_days_after);
        }
        if (key == "record_days_after") return ReadScalar(value, qualified, &r->record_days_after);
        if (key == "record_missed_deadlines") {
          return ReadScalar(value, qualified, &r->record_missed_deadlines);
        }
        if (key == "green_percent") return ReadScalar(value, qualified, &r->green_percent);
        if (key == "amber_percent") return ReadScalar(value, qualified, &r->amber_percent);
        return absl::InvalidArgumentError(absl::StrCat("config: unknown key '", qualified, "'"));
      });
}

absl::Status ReadSection20(const YAML::Node& node, projections::Section20Settings* s20) {
  return ReadSection(
      node, "section20",
      [&](const std::string& key, const std::string& qualified,
          const YAML::Node& value) -> absl::Status {
        if (key == "under_5_weeks") return ReadScalar(value, qualified, &s20->under_5_weeks);
        if (key == "months_without_plan") {
          return ReadScalar(value, qualified, &s20->months_without_plan);
        }
        if (key == "flag_no_consent") return ReadScalar(value, qualified, &s20->flag_no_consent);
        if (key == "plo_weeks") return ReadScalar(value, qualified, &s20->plo_weeks);
        return absl::InvalidArgumentError(absl::StrCat("config: unknown key '", qualified, "'"));
      });
}

absl::Status ReadPlacementsWithParents(const YAML::Node& node,
                                       projections::PlacementsWithParentsSettings* pwp) {
  return ReadSection(
      node, "placements_with_parents",
      [&](const std::string& key, const std::string& qualified,
          const YAML::Node& value) -> absl::Status {
        int* field = nullptr;
        int most = 0;
        int least = 0;
        if (key == "assessment_weeks") {
          field = &pwp->assessment_weeks;
          most = 104;
        } else if (key == "plan_working_days") {
          field = &pwp->plan_working_days;
          least = 1;  // reg 9: the plan is due; the flag cannot be turned off
          most = 60;
        } else if (key == "discharge_months") {
          field = &pwp->discharge_months;
          most = 216;
        } else {
          return absl::InvalidArgumentError(absl::StrCat("config: unknown key '", qualified, "'"));
        }
        if (auto st = ReadScalar(value, qualified, field); !st.ok()) return st;
        if (*field < least || *field > most) {
          return absl::InvalidArgumentError(absl::StrCat("config: '", qualified, "' must be from ",
                                                         least, " to ", most, ", not ", *field));
        }
        return absl::OkStatus();
      });
}

absl::Status ReadTls(const YAML::Node& node, ServerConfig::Tls* tls) {
  auto st = ReadSection(
      node, "tls",
      [&](const std::string& key, const std::string& qualified,
          const YAML::Node& value) -> absl::Status {
        if (key == "cert_file") return ReadScalar(value, qualified, &tls->cert_file);
        if (key == "key_file") return ReadScalar(value, qualified, &tls->key_file);
        if (key == "client_ca_file") {
          return ReadScalar(value, qualified, &tls->client_ca_file);
        }
        if (key == "crl_dir") return ReadScalar(value, qualified, &tls->crl_dir);
        if (key == "reload_seconds") {
          int64_t seconds = 0;
          if (auto read = ReadScalar(value, qualified, &seconds); !read.ok()) return read;
          if (seconds < 0 || seconds > 86400) {
            return absl::InvalidArgumentError(absl::StrCat(
                "config: '", qualified, "' must be between 0 (no reload) and 86400 seconds"));
          }
          tls->reload_seconds = static_cast<unsigned>(seconds);
          return absl::OkStatus();
        }
        return absl::InvalidArgumentError(absl::StrCat("config: unknown key '", qualified, "'"));
      });
  if (!st.ok()) return st;
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"cert_file", &tls->cert_file},
        {"key_file", &tls->key_file},
        {"client_ca_file", &tls->client_ca_file}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config: 'tls.", name,
          "' is required: TLS needs the server's certificate, its key and the CA that signs "
          "client certificates"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadClients(const YAML::Node& node, std::vector<ClientRule>* clients) {
  if (!node.IsSequence()) {
    return absl::InvalidArgumentError(
        "config: 'clients' must be a list of {identity, roles, event_types}");
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string at = absl::StrCat("clients[", i, "]");
    ClientRule rule;
    std::vector<std::string> roles;
    auto st = ReadSection(
        node[i], at,
        [&](const std::string& key, const std::string& qualified,
            const YAML::Node& value) -> absl::Status {
          if (key == "identity") return ReadScalar(value, qualified, &rule.identity);
          if (key == "roles") return ReadStringList(value, qualified, &roles);
          if (key == "event_types") {
            return ReadStringList(value, qualified, &rule.event_types);
          }
          return absl::InvalidArgumentError(absl::StrCat("config: unknown key '", qualified, "'"));
        });
    if (!st.ok()) return st;
    if (rule.identity.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config: '", at, ".identity' is required (a certificate's SAN or common name)"));
    }
    for (const ClientRule& other : *clients) {
      if (other.identity == rule.identity) {
        return absl::InvalidArgumentError(
            absl::StrCat("config: '", at, ".identity': '", rule.identity, "' is listed twice"));
      }
    }
    if (roles.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config: '", at, ".roles' must name at least one role"));
    }
    for (size_t r = 0; r < roles.size(); ++r) {
      auto role = ParseRole(roles[r], absl::StrCat("config: '", at, ".roles[", r, "]'"));
      if (!role.ok()) return role.status();
      rule.roles.push_back(*role);
    }
    const bool poster =
        std::find(rule.roles.begin(), rule.roles.end(), Role::kPoster) != rule.roles.end();
    if (poster && rule.event_types.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config: '", at,
          ".event_types' is required for a poster (the event types it may append, or \"*\")"));
    }
    if (!poster && !rule.event_types.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config: '", at, ".event_types' is only for posters; '", rule.identity, "' is not one"));
    }
    clients->push_back(std::move(rule));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerConfig> LoadConfigFile(absl::string_view path, ServerConfig base) {
  const std::string file(path);
  if (!std::filesystem::exists(file)) {
    return absl::NotFoundError(absl::StrCat("config: file '", file, "' does not exist"));
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: '", file, "': ", e.what()));
  }
  if (root.IsNull()) return base;
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat("config: '", file, "' must be a mapping"));
  }
  for (const auto& entry : root) {
    auto key_or = KeyOf(entry.first);
    if (!key_or.ok()) return key_or.status();
    const std::string& key = *key_or;
    const YAML::Node& value = entry.second;
    absl::Status st;
    if (key == "data_dir") {
      st = ReadScalar(value, key, &base.data_dir);
    } else if (key == "listen") {
      st = ReadScalar(value, key, &base.listen);
    } else if (key == "metrics_listen") {
      st = ReadScalar(value, key, &base.metrics_listen);
    } else if (key == "insecure_plaintext") {
      st = ReadScalar(value, key, &base.insecure_plaintext);
    } else if (key == "tls") {
      st = ReadTls(value, &base.tls);
    } else if (key == "clients") {
      st = ReadClients(value, &base.clients);
    } else if (key == "log_level") {
      st = ReadScalar(value, key, &base.log_level);
    } else if (key == "log_format") {
      st = ReadScalar(value, key, &base.log_format);
      if (st.ok() && base.log_format != "text" && base.log_format != "json") {
        st = absl::InvalidArgumentError(
            absl::StrCat("config: 'log_format': '", base.log_format, "' is not one of text, json"));
      }
    } else if (key == "shutdown_grace_seconds") {
      double seconds = 0;
      st = ReadScalar(value, key, &seconds);
      if (st.ok() && seconds < 0) {
        st = absl::InvalidArgumentError("config: 'shutdown_grace_seconds' must not be negative");
      }
      base.shutdown_grace = absl::Seconds(seconds);
    } else if (key == "read_threads") {
      st = ReadScalar(value, key, &base.read_threads);
    } else if (key == "store_wait_threads") {
      st = ReadScalar(value, key, &base.store_wait_threads);
    } else if (key == "long_job_threads") {
      st = ReadScalar(value, key, &base.long_job_threads);
    } else if (key == "long_job_queue") {
      st = ReadScalar(value, key, &base.long_job_queue);
    } else if (key == "backup") {
      st = ReadSection(value, "backup",
                       [&](const std::string& name, const std::string& qualified,
                           const YAML::Node& item) -> absl::Status {
                         if (name == "keep") return ReadScalar(item, qualified, &base.backup_keep);
                         return absl::InvalidArgumentError(
                             absl::StrCat("config: unknown key '", qualified, "'"));
                       });
    } else if (key == "escalation") {
      st = ReadEscalation(value, &base.escalation);
    } else if (key == "reviews") {
      st = ReadReviews(value, &base.reviews);
    } else if (key == "section20") {
      st = ReadSection20(value, &base.section20);
    } else if (key == "placements_with_parents") {
      st = ReadPlacementsWithParents(value, &base.placements_with_parents);
    } else if (key == "calendar") {
      if (!value.IsMap()) return absl::InvalidArgumentError("config: 'calendar' must be a mapping");
      for (const auto& item : value) {
        auto name = KeyOf(item.first);
        if (!name.ok()) return name.status();
        if (*name == "bank_holidays_file") {
          st = ReadScalar(item.second, "calendar.bank_holidays_file", &base.bank_holidays_file);
        } else if (*name == "division") {
          st = ReadScalar(item.second, "calendar.division", &base.bank_holidays_division);
        } else {
          st = absl::InvalidArgumentError(
              absl::StrCat("config: unknown key 'calendar.", *name, "'"));
        }
        if (!st.ok()) return st;
      }
    } else if (key == "limits") {
      if (!value.IsMap()) {
        return absl::InvalidArgumentError("config: 'limits' must be a mapping");
      }
      for (const auto& limit : value) {
        auto name_or = KeyOf(limit.first);
        if (!name_or.ok()) return name_or.status();
        const std::string& name = *name_or;
        const std::string qualified = "limits." + name;
        if (name == "max_event_bytes") {
          st = ReadPositive(limit.second, qualified, &base.max_event_bytes);
        } else if (name == "max_batch_events") {
          st = ReadPositive(limit.second, qualified, &base.max_batch_events);
        } else if (name == "max_batch_bytes") {
          st = ReadPositive(limit.second, qualified, &base.max_batch_bytes);
        } else if (name == "max_streams") {
          st = ReadPositive(limit.second, qualified, &base.max_streams);
        } else if (name == "max_streams_per_identity") {
          st = ReadPositive(limit.second, qualified, &base.max_streams_per_identity);
        } else {
          st = absl::InvalidArgumentError(absl::StrCat("config: unknown key '", qualified, "'"));
        }
        if (!st.ok()) return st;
      }
    } else {
      st = absl::InvalidArgumentError(absl::StrCat("config: unknown key '", key, "'"));
    }
    if (!st.ok()) return st;
  }
  if (auto st = base.ValidateThreads(); !st.ok()) return st;
  return base;
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address, absl::string_view field) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", address, "' is not HOST:PORT (", why, ")"));
  };
  HostPort result;
  absl::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return invalid("an IPv6 host needs the form [host]:port");
    }
    result.host = std::string(address.substr(0, close + 1));
    port_text = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) return invalid("missing host or port");
    result.host = std::string(address.substr(0, colon));
    port_text = address.substr(colon + 1);
  }
  int port = -1;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return invalid("the port must be a number from 0 to 65535");
  }
  result.port = port;
  return result;
}

}  // namespace footprint::services
