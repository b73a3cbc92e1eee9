// Testing only: switches that let fault tests reach states the store otherwise avoids. Nothing
// but tests calls them.
#ifndef FOOTPRINT_EVENTSTORE_SRC_FAULT_HOOKS_H_
#define FOOTPRINT_EVENTSTORE_SRC_FAULT_HOOKS_H_

namespace footprint::eventstore {

// While set, stores keep no entry in `meta`'s memtable (GroupCommitWriter::KeepMemtableEntry),
// so that a failed write can find every memtable empty, the case RocksDB 7.8 cannot recover
// from in process.
void SkipMemtableEntryForTesting(bool skip);

namespace codec {
// After `skip` more successful calls, the next call of codec::ChainHash fails (returns an empty
// string), as an OpenSSL failure would.
void FailChainHashForTesting(int skip);
}  // namespace codec

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_FAULT_HOOKS_H_
