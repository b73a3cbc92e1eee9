#include "validation.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"
#include "simdjson.h"

namespace footprint::eventstore {

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= n) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values beyond Unicode are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

namespace {

// simdjson validates several times faster than nlohmann; nlohmann stays the judge when
// simdjson refuses (e.g. a number beyond double range is still valid JSON) and explains errors.
bool IsValidJsonFast(absl::string_view data) {
  thread_local simdjson::dom::parser parser;
  return parser.parse(data.data(), data.size(), /*realloc_if_needed=*/true).error() ==
         simdjson::SUCCESS;
}

}  // namespace

absl::Status ValidatePayload(v1::ContentType content_type, absl::string_view payload_type,
                             absl::string_view data, absl::string_view field) {
  switch (content_type) {
    case v1::CONTENT_TYPE_UNSPECIFIED:
    case v1::CONTENT_TYPE_JSON: {
      if (!payload_type.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".payload_type: must be empty for JSON content"));
      }
      if (IsValidJsonFast(data) || nlohmann::json::accept(data.begin(), data.end())) {
        return absl::OkStatus();
      }
      // Parse again only to explain the failure; the exception stays inside this function.
      std::string reason = "not valid JSON";
      try {
        const auto ignored = nlohmann::json::parse(data.begin(), data.end());
        static_cast<void>(ignored);
      } catch (const nlohmann::json::exception& e) {
        reason = e.what();
        const size_t bracket = reason.find("] ");
        if (reason.starts_with("[json.exception") && bracket != std::string::npos) {
          reason = reason.substr(bracket + 2);
        }
      }
      return absl::InvalidArgumentError(absl::StrCat(field, ".data: invalid JSON: ", reason));
    }
    case v1::CONTENT_TYPE_PROTOBUF: {
      if (payload_type.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".payload_type: required for protobuf content (the full message name)"));
      }
      const google::protobuf::Descriptor* descriptor =
          google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
              std::string(payload_type));
      if (descriptor == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".payload_type: '", payload_type,
                                                       "' is not a message known to the server"));
      }
      const google::protobuf::Message* prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor);
      std::unique_ptr<google::protobuf::Message> message(prototype->New());
      if (!message->ParseFromArray(data.data(), static_cast<int>(data.size()))) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".data: does not parse as ", payload_type));
      }
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".content_type: unknown value ", static_cast<int>(content_type)));
  }
}

}  // namespace footprint::eventstore
