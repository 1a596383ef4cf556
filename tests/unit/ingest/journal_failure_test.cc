// Real write failures: RLIMIT_FSIZE in a forked child makes the kernel fail
// writes with EFBIG (the journal ignores SIGXFSZ). The child exits with the
// number of the first check that failed; the parent re-opens the directory
// and checks that nothing half-written stayed.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ingest/journal/journal.h"
#include "tests/unit/ingest/journal_test_util.h"

namespace alertd::ingest::journal {
namespace {

using namespace test_util;  // NOLINT: test helpers
using namespace std::chrono_literals;

const uint64_t kRecord = record_size(kPayload);

// Runs `body` in a child process under RLIMIT_FSIZE = `limit`; its return
// value is the exit status (0: every check held).
int in_child(rlim_t limit, const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    rlimit rl{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(100);
    ::_exit(body());
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

class FailureTest : public ::testing::Test {
 protected:
  FailureTest() {
    options_.dir = tmp_.path() / "journal";
    options_.fsync_interval = 1ms;
    options_.max_record_bytes = 1024;
  }
  TempDir tmp_;
  JournalOptions options_;
};

// Room for the header and two records, and 30 bytes of a third.
const rlim_t kLimit = kSegmentHeaderBytes + 2 * kRecord + 30;

// The child's script; each check has its own exit code.
int failing_writes(const JournalOptions& options) {
  auto opened = Journal::open(options);
  if (!opened.ok()) return 1;
  auto& j = **opened;
  // Three queued before start() share one write: it runs into the limit,
  // so all three fail together and none stays in the file.
  Collector group;
  for (int i = 0; i < 3; ++i) j.append(payload(100 + i), group.completion(i));
  j.start();
  if (!group.wait_for(3)) return 2;
  for (const auto& d : group.done()) {
    if (d.error != AppendError::io || d.lsn != 0) return 3;
  }
  if (j.healthy() || j.errors("efbig") != 1 || j.next_lsn() != 1) return 4;
  // The next group goes to a fresh segment and succeeds, reusing LSN 1.
  if (append_wait(j, payload(1)).lsn != 1 || !j.healthy()) return 5;
  if (append_wait(j, payload(2)).lsn != 2) return 6;
  // The third record passes the limit: io, its LSN not consumed.
  auto third = append_wait(j, payload(999));
  if (!third.completed || third.error != AppendError::io) return 7;
  if (j.errors("efbig") != 2 || j.durable_lsn() != 2) return 8;
  // A fresh segment (00..03.wal) has room under the limit again.
  if (append_wait(j, payload(3)).lsn != 3 || !j.healthy()) return 9;
  if (j.segments() != 2) return 10;
  j.stop();
  return 0;
}

TEST_F(FailureTest, FailedWritesCompleteWithIoLeaveNothingBehindAndRecover) {
  // group_bytes above three records, so the first three share one write.
  options_.group_bytes = 4 * kRecord;
  const int status = in_child(kLimit, [&] { return failing_writes(options_); });
  ASSERT_EQ(status, 0) << "check " << status << " of failing_writes failed";

  // The first segment was truncated back to its durable records.
  EXPECT_EQ(fs::file_size(segment_path(options_, 1)), kSegmentHeaderBytes + 2 * kRecord);
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  EXPECT_FALSE(j->report().tail_cut);
  EXPECT_EQ(j->report().records, 3u);
  auto all = replay_all(*j);
  ASSERT_EQ(all.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(all[i].first, i + 1u);
    EXPECT_EQ(all[i].second, payload(i + 1));  // never payload(100..102) or payload(999)
  }
  j->start();
  EXPECT_EQ(append_wait(*j, payload(4)).lsn, 4u);
}

// A failure at the very first write of a fresh journal: the empty segment is
// dropped, and the LSNs start at 1 when writes work again.
int first_write_fails(const JournalOptions& options) {
  auto opened = Journal::open(options);
  if (!opened.ok()) return 1;
  auto& j = **opened;
  j.start();
  auto big = append_wait(j, std::string(500, 'b'));  // more than the limit allows
  if (!big.completed || big.error != AppendError::io) return 2;
  if (j.segments() != 0 || j.bytes() != 0) return 3;
  if (append_wait(j, payload(1)).lsn != 1) return 4;
  j.stop();
  return 0;
}

TEST_F(FailureTest, FailureInAnEmptySegmentRemovesIt) {
  const int status = in_child(kLimit, [&] { return first_write_fails(options_); });
  ASSERT_EQ(status, 0) << "check " << status << " of first_write_fails failed";
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  auto all = replay_all(*j);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], (std::pair<uint64_t, std::string>{1, payload(1)}));
}

}  // namespace
}  // namespace alertd::ingest::journal
