# ruff: noqa: E501
"""An answer cut at the token limit must not end on a line that cannot end a statement: a
braceless control header (its statement is the next line, one level deeper), or, in C, C++ and
Java, a line ending with ``)`` that starts a statement (a constructor's declarator, a call with
no ``;``). Real fragments from held-out draws 64 (the JDK's ReentrantLock.java, whose class header lies beyond the prefix the server keeps, as here) and 68
(GoogleTest's googletest-test-part-test.cc); each failed before."""

from __future__ import annotations

from tests.support.cursor_cases import shown_at

REENTRANT = """\
    /**
     * Queries if this lock is held by the current thread.
     */
    public boolean isHeldByCurrentThread() {
        return sync.isHeldExclusively();
    }

    /**
     * Queries whether any threads are waiting on the given condition.
     */
    public boolean hasWaiters(Condition condition) {<|>
    }

    /**
     * Returns an estimate of the number of threads waiting on the condition.
     */
    public int getWaitQueueLength(Condition condition) {
        return sync.getWaitQueueLength(condition);
    }
"""
BODY = """
        if (condition == null)
            throw new NullPointerException();
        if (!(condition instanceof AbstractQueuedSynchronizer.ConditionObject))
            throw new IllegalArgumentException("not owner");"""


def test_a_cut_answer_does_not_end_on_a_braceless_if() -> None:
    raw = BODY[: BODY.index('("not')]  # cut inside the last line
    assert shown_at(REENTRANT, raw, lang="java", truncated=True) == (
        "\n        if (condition == null)\n            throw new NullPointerException();"
    )


# the prefix and suffix the server keeps (4,500 and 1,500 characters) at the cursor
TEST_PART = r"""

// The test fixture for testing TestPartResult.
class TestPartResultTest : public Test {
 protected:
  TestPartResultTest()
      : r1_(TestPartResult::kSuccess, "foo/bar.cc", 10, "Success!"),
        r2_(TestPartResult::kNonFatalFailure, "foo/bar.cc", -1, "Failure!"),
        r3_(TestPartResult::kFatalFailure, nullptr, -1, "Failure!"),
        r4_(TestPartResult::kSkip, "foo/bar.cc", 2, "Skipped!") {}

  TestPartResult r1_, r2_, r3_, r4_;
};

TEST_F(TestPartResultTest, ConstructorWorks) {
  Message message;
  message << "something is terribly wrong";
  message << static_cast<const char*>(testing::internal::kStackTraceMarker);
  message << "some unimportant stack trace";

  const TestPartResult result(TestPartResult::kNonFatalFailure, "some_file.cc",
                              42, message.GetString().c_str());

  EXPECT_EQ(TestPartResult::kNonFatalFailure, result.type());
  EXPECT_STREQ("some_file.cc", result.file_name());
  EXPECT_EQ(42, result.line_number());
  EXPECT_STREQ(message.GetString().c_str(), result.message());
  EXPECT_STREQ("something is terribly wrong", result.summary());
}

TEST_F(TestPartResultTest, ResultAccessorsWork) {
  const TestPartResult success(TestPartResult::kSuccess, "file.cc", 42,
                               "message");
  EXPECT_TRUE(success.passed());
  EXPECT_FALSE(success.failed());
  EXPECT_FALSE(success.nonfatally_failed());
  EXPECT_FALSE(success.fatally_failed());
  EXPECT_FALSE(success.skipped());

  const TestPartResult nonfatal_failure(TestPartResult::kNonFatalFailure,
                                        "file.cc", 42, "message");
  EXPECT_FALSE(nonfatal_failure.passed());
  EXPECT_TRUE(nonfatal_failure.failed());
  EXPECT_TRUE(nonfatal_failure.nonfatally_failed());
  EXPECT_FALSE(nonfatal_failure.fatally_failed());
  EXPECT_FALSE(nonfatal_failure.skipped());

  const TestPartResult fatal_failure(TestPartResult::kFatalFailure, "file.cc",
                                     42, "message");
  EXPECT_FALSE(fatal_failure.passed());
  EXPECT_TRUE(fatal_failure.failed());
  EXPECT_FALSE(fatal_failure.nonfatally_failed());
  EXPECT_TRUE(fatal_failure.fatally_failed());
  EXPECT_FALSE(fatal_failure.skipped());

  const TestPartResult skip(TestPartResult::kSkip, "file.cc", 42, "message");
  EXPECT_FALSE(skip.passed());
  EXPECT_FALSE(skip.failed());
  EXPECT_FALSE(skip.nonfatally_failed());
  EXPECT_FALSE(skip.fatally_failed());
  EXPECT_TRUE(skip.skipped());
}

// Tests TestPartResult::type().
TEST_F(TestPartResultTest, type) {
  EXPECT_EQ(TestPartResult::kSuccess, r1_.type());
  EXPECT_EQ(TestPartResult::kNonFatalFailure, r2_.type());
  EXPECT_EQ(TestPartResult::kFatalFailure, r3_.type());
  EXPECT_EQ(TestPartResult::kSkip, r4_.type());
}

// Tests TestPartResult::file_name().
TEST_F(TestPartResultTest, file_name) {
  EXPECT_STREQ("foo/bar.cc", r1_.file_name());
  EXPECT_STREQ(nullptr, r3_.file_name());
  EXPECT_STREQ("foo/bar.cc", r4_.file_name());
}

// Tests TestPartResult::line_number().
TEST_F(TestPartResultTest, line_number) {
  EXPECT_EQ(10, r1_.line_number());
  EXPECT_EQ(-1, r2_.line_number());
  EXPECT_EQ(2, r4_.line_number());
}

// Tests TestPartResult::message().
TEST_F(TestPartResultTest, message) {
  EXPECT_STREQ("Success!", r1_.message());
  EXPECT_STREQ("Skipped!", r4_.message());
}

// Tests TestPartResult::passed().
TEST_F(TestPartResultTest, Passed) {
  EXPECT_TRUE(r1_.passed());
  EXPECT_FALSE(r2_.passed());
  EXPECT_FALSE(r3_.passed());
  EXPECT_FALSE(r4_.passed());
}

// Tests TestPartResult::failed().
TEST_F(TestPartResultTest, Failed) {
  EXPECT_FALSE(r1_.failed());
  EXPECT_TRUE(r2_.failed());
  EXPECT_TRUE(r3_.failed());
  EXPECT_FALSE(r4_.failed());
}

// Tests TestPartResult::failed().
TEST_F(TestPartResultTest, Skipped) {
  EXPECT_FALSE(r1_.skipped());
  EXPECT_FALSE(r2_.skipped());
  EXPECT_FALSE(r3_.skipped());
  EXPECT_TRUE(r4_.skipped());
}

// Tests TestPartResult::fatally_failed().
TEST_F(TestPartResultTest, FatallyFailed) {
  EXPECT_FALSE(r1_.fatally_failed());
  EXPECT_FALSE(r2_.fatally_failed());
  EXPECT_TRUE(r3_.fatally_failed());
  EXPECT_FALSE(r4_.fatally_failed());
}

// Tests TestPartResult::nonfatally_failed().
TEST_F(TestPartResultTest, NonfatallyFailed) {
  EXPECT_FALSE(r1_.nonfatally_failed());
  EXPECT_TRUE(r2_.nonfatally_failed());
  EXPECT_FALSE(r3_.nonfatally_failed());
  EXPECT_FALSE(r4_.nonfatally_failed());
}

// Tests the TestPartResultArray class.

class TestPartResultArrayTest : public Test {<|>
};

// Tests that TestPartResultArray initially has size 0.
TEST_F(TestPartResultArrayTest, InitialSizeIsZero) {
  TestPartResultArray results;
  EXPECT_EQ(0, results.size());
}

// Tests that TestPartResultArray contains the given TestPartResult
// after one Append() operation.
TEST_F(TestPartResultArrayTest, ContainsGivenResultAfterAppend) {
  TestPartResultArray results;
  results.Append(r1_);
  EXPECT_EQ(1, results.size());
  EXPECT_STREQ("Failure 1", results.GetTestPartResult(0).message());
}

// Tests that TestPartResultArray contains the given TestPartResults
// after two Append() operations.
TEST_F(TestPartResultArrayTest, ContainsGivenResultsAfterTwoAppends) {
  TestPartResultArray results;
  results.Append(r1_);
  results.Append(r2_);
  EXPECT_EQ(2, results.size());
  EXPECT_STREQ("Failure 1", results.GetTestPartResult(0).message());
  EXPECT_STREQ("Failure 2", results.GetTestPartResult(1).message());
}

typedef TestPartResultArrayTest TestPartResultArrayDeathTest;

// Tests that the program dies when GetTestPartResult() is called with
// an invalid index.
TEST_F(TestPartResultArrayDeathTest, DiesWhenIndexIsOutOfBound) {
  TestPartResultArray results;
  results.Append(r1_);

  EXPECT_DEATH_IF_SUPPORTED(results.GetTestPartResult(-1), "");
  EXPECT_DEATH_IF_SUPPORTED(results.GetTestPartResult(1), "");
}

}  // namespace
"""


def test_a_cut_answer_does_not_end_on_a_constructors_declarator() -> None:
    raw = (
        "\n protected:\n  TestPartResultArrayTest()\n"
        '      : r1_(TestPartResult::kNonFatalFailure, "foo/bar.cc", -1, "Failure 1"),\n'
        "        r2_(Test"
    )
    shown = shown_at(TEST_PART, raw, lang="cpp", truncated=True)
    assert "TestPartResultArrayTest()" not in shown  # main showed it, with no body or `;`


# the same rule from the other side, and a guard


def test_a_braceless_if_whose_statement_the_suffix_gives_is_kept() -> None:
    # (the rules before cut it: a line followed by a deeper one must open a block)
    buffer = "int f(int x) {\n  <|>\n    return 1;\n  return 0;\n}\n"
    raw = "x += 1;\n  if (x > 2)\n    retu"
    assert shown_at(buffer, raw, lang="c", truncated=True) == "x += 1;\n  if (x > 2)"


def test_a_javascript_call_without_a_semicolon_ends_its_statement() -> None:
    buffer = "function f() {\n  <|>\n  return done\n}\n"
    raw = "start()\n  wait(10)\n  fin"
    assert shown_at(buffer, raw, lang="javascript", truncated=True) == "start()\n  wait(10)"


def test_an_if_with_its_statement_on_the_same_line_ends_a_statement() -> None:
    # npm argparse's lib/sub.js: `if (...) throw new TypeError(...)` holds its statement
    buffer = "function sub(name, values) {\n  <|>\n  return name\n}\n"
    raw = (
        "const dict = values[0]\n"
        "  if (typeof dict !== 'object' || dict === null) throw new TypeError(`bad ${name}`)\n"
        "  const k"
    )
    assert shown_at(buffer, raw, lang="javascript", truncated=True) == raw.rsplit("\n", 1)[0]
