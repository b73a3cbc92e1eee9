// A message's deterministic serialization, so that equal messages compare equal as bytes.
#ifndef FOOTPRINT_TESTS_SUPPORT_PROTO_BYTES_H_
#define FOOTPRINT_TESTS_SUPPORT_PROTO_BYTES_H_

#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message_lite.h"

namespace footprint::testing {

inline std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_PROTO_BYTES_H_
