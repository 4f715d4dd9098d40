"""C++ on real code (GoogleTest's samples and sources, Debian's googletest package): namespace
bodies are not indented, so the ``}`` that ends a namespace stands at the depth of every
function inside it; and after a header with no block yet (``TEST(Foo, Bar) |``) the answer's
block is the suggestion, not the tests the model runs on into. Each case failed before."""

from __future__ import annotations

from tests.support.cursor_cases import shown_at

# googletest/samples/sample1_unittest.cc, its namespace (opened over 1,200 characters up)
SAMPLE1 = """\
namespace {

// Step 2. Use the TEST macro to define your tests.
//
// TEST has two parameters: the test case name and the test name.
// After using the macro, you should define your test logic between a
// pair of braces.  You can use a bunch of macros to indicate the
// success or failure of a test.  EXPECT_TRUE and EXPECT_EQ are
// examples of such macros.  For a complete list, see gtest.h.
//
// <TechnicalDetails>
//
// In Google Test, tests are grouped into test cases.  This is how we
// keep test code organized.  You should put logically related tests
// into the same test case.
//
// The test case name and the test name should both be valid C++
// identifiers.  And you should not use underscore (_) in the names.
//
// Google Test guarantees that each test you define is run exactly
// once, but it makes no guarantee on the order the tests are
// executed.  Therefore, you should write your tests in such a way
// that their results don't depend on their order.
//
// </TechnicalDetails>

// Tests Factorial().

// Tests factorial of negative numbers.
TEST(FactorialTest, Negative) {
  // This test is named "Negative", and belongs to the "FactorialTest"
  // test case.
  EXPECT_EQ(1, Factorial(-5));
  EXPECT_EQ(1, Factorial(-1));
  EXPECT_GT(Factorial(-10), 0);

  // <TechnicalDetails>
  //
  // EXPECT_EQ(expected, actual) is the same as
  //
  //   EXPECT_TRUE((expected) == (actual))
  //
  // except that it will print both the expected value and the actual
  // value when the assertion fails.  This is very helpful for
  // debugging.  Therefore in this case EXPECT_EQ is preferred.
  //
  // On the other hand, EXPECT_TRUE accepts any Boolean expression,
  // and is thus more general.
  //
  // </TechnicalDetails>
}

// Tests factorial of 0.
TEST(FactorialTest, Zero) { EXPECT_EQ(1, Factorial(0)); }

// Tests factorial of positive numbers.
TEST(FactorialTest, Positive) {
  EXPECT_EQ(1, Factorial(1));
  EXPECT_EQ(2, Factorial(2));
  EXPECT_EQ(6, Factorial(3));
  EXPECT_EQ(40320, Factorial(8));
}

// Tests IsPrime()

// Tests negative input.
TEST(IsPrimeTest, Negative) {
  // This test belongs to the IsPrimeTest test case.

  EXPECT_FALSE(IsPrime(-1));
  EXPECT_FALSE(IsPrime(-2));
  EXPECT_FALSE(IsPrime(INT_MIN));
}

// Tests some trivial cases.
TEST(IsPrimeTest, Trivial) {
  EXPECT_FALSE(IsPrime(0));
  EXPECT_FALSE(IsPrime(1));
  EXPECT_TRUE(IsPrime(2));
  EXPECT_TRUE(IsPrime(3));
}

// Tests positive input.
TEST(IsPrimeTest, Positive) <|>
}  // namespace

// Step 3. Call RUN_ALL_TESTS() in main().
"""
BODY = """\
{
  EXPECT_FALSE(IsPrime(4));
  EXPECT_TRUE(IsPrime(5));
  EXPECT_FALSE(IsPrime(6));
  EXPECT_TRUE(IsPrime(23));
}"""


def test_the_blocks_own_closer_before_the_namespace_closer_is_kept() -> None:
    assert shown_at(SAMPLE1, BODY, lang="cpp") == BODY


def test_an_answer_running_on_after_the_block_it_opened_stops_there() -> None:
    raw = BODY + "\n\n// Tests negative input.\nTEST(IsPrimeTest, Negative) {\n  EXPECT_FALSE("
    assert shown_at(SAMPLE1, raw, lang="cpp", truncated=True) == BODY


def test_a_runaway_of_closers_after_the_block_keeps_the_block() -> None:
    raw = BODY + "\n}" * 12
    assert shown_at(SAMPLE1, raw, lang="cpp", truncated=True) == BODY


def test_a_cut_block_is_not_closed_by_the_namespace_closer() -> None:
    raw = BODY[: BODY.index("IsPrime(6)")]
    assert shown_at(SAMPLE1, raw, lang="cpp", truncated=True) == ""


def test_a_namespace_closer_without_its_comment_is_known_by_its_opener() -> None:
    buffer = SAMPLE1.replace("}  // namespace", "}").replace("namespace {", "namespace testing {")
    raw = BODY[: BODY.index("IsPrime(6)")]
    assert shown_at(buffer, raw, lang="cpp", truncated=True) == ""
    assert shown_at(buffer, BODY, lang="cpp") == BODY


# guards: what the rules did right before


def test_a_block_continued_by_else_is_kept_whole() -> None:
    buffer = "int f(int x) {\n  if (x > 0) <|>\n  return 0;\n}\n"
    raw = "{\n    x = 1;\n  } else {\n    x = 2;\n  }"
    assert shown_at(buffer, raw, lang="cpp") == raw


def test_a_closer_the_suffix_already_has_is_still_dropped() -> None:
    buffer = "int f() {\n  int x = 1;\n  <|>\n}\n"
    assert shown_at(buffer, "return x;\n}", lang="cpp") == "return x;"


def test_a_cut_body_inside_a_function_is_still_closed_by_the_suffix() -> None:
    # googletest/src/gtest-test-part.cc: a function's `}` (not a namespace's) follows the cursor
    buffer = (
        "namespace testing {\n\n"
        "int TestPartResultArray::size() const {\n"
        "  <|>\n"
        "}\n\n"
        "}  // namespace testing\n"
    )
    whole = "if (array_.empty()) {\n    return 0;\n  }\n  return static_cast<int>(array_.size());"
    assert shown_at(buffer, whole + "\n  retu", lang="cpp", truncated=True) == whole


# googlemock/test/gmock_stress_test.cc: two namespaces opened at the top, their closers far below
# the parse window's end
STRESS = r"""
namespace testing {
namespace {

// From gtest-port.h.
using ::testing::internal::ThreadWithParam;

// The maximum number of test threads (not including helper threads)
// to create.
const int kMaxTestThreads = 50;

// How many times to repeat a task in a test thread.
const int kRepeat = 50;

class MockFoo {
 public:
  MOCK_METHOD1(Bar, int(int n));                                   // NOLINT
  MOCK_METHOD2(Baz, char(const char* s1, const std::string& s2));  // NOLINT
};

// Helper for waiting for the given thread to finish and then deleting it.
template <typename T>
void JoinAndDelete(ThreadWithParam<T>* t) {
  t->Join();
  delete t;
}

struct Dummy {};

// Tests that different mock objects can be used in their respective
// threads.  This should generate no Google Test failure.
void TestConcurrentMockObjects(Dummy /* dummy */) {
  // Creates a mock and does some typical operations on it.
  MockFoo foo;
  ON_CALL(foo, Bar(_)).WillByDefault(Return(1));
  ON_CALL(foo, Baz(_, _)).WillByDefault(Return('b'));
  ON_CALL(foo, Baz(_, "you")).WillByDefault(Return('a'));

  EXPECT_CALL(foo, Bar(0)).Times(AtMost(3));
  EXPECT_CALL(foo, Baz(_, _));
  EXPECT_CALL(foo, Baz("hi", "you"))
      .WillOnce(Return('z'))
      .WillRepeatedly(DoDefault());

  EXPECT_EQ(1, foo.Bar(0));
  EXPECT_EQ(1, foo.Bar(0));
  EXPECT_EQ('z', foo.Baz("hi", "you"));
  EXPECT_EQ('a', foo.Baz("hi", "you"));
  EXPECT_EQ('b', foo.Baz("hi", "me"));
}

// Tests invoking methods of the same mock object in multiple threads.

struct Helper1Param {
  MockFoo* mock_foo;
  int* count;
};

void Helper1(Helper1Param param) {<|>
      // It was an expected call.
      (*param.count)++;
    } else {
      // It was an excessive call.
      EXPECT_EQ('\0', ch);
    }

    // An unexpected call.
    EXPECT_EQ('\0', param.mock_foo->Baz("x", "y")) << "Expected failure.";

    // An uninteresting call.
    EXPECT_EQ(1, param.mock_foo->Bar(5));
  }
}

// This should generate 3*kRepeat + 1 failures in total.
void TestConcurrentCallsOnSameObject(Dummy /* dummy */) {
  MockFoo foo;

  ON_CALL(foo, Bar(_)).WillByDefault(Return(1));
  EXPECT_CALL(foo, Baz(_, "b")).Times(kRepeat).WillRepeatedly(Return('a'));
  EXPECT_CALL(foo, Baz(_, "c"));  // Expected to be unsatisfied.

  // This chunk of code should generate kRepeat failures about
  // excessive calls, and 2*kRepeat failures about unexpected calls.
  int count1 = 0;
  const Helper1Param param = {&foo, &count1};
  ThreadWithParam<Helper1Param>* const t =
      new ThreadWithParam<Helper1Param>(Helper1, param, nullptr);

  int count2 = 0;
  const Helper1Param param2 = {&foo, &count2};
  Helper1(param2);
  JoinAndDelete(t);

  EXPECT_EQ(kRepeat, count1 + count2);

  // foo's destructor should generate one failure about unsatisfied
  // expectation.
}

// Tests using the same mock object in multiple threads when the
// expectations are partially ordered.

void Helper2(MockFoo* foo) {
  for (int i = 0; i < kRepeat; i++) {
    foo->Bar(2);
    foo->Bar(3);
  }
}

// This should generate no Google Test failures.
"""


def test_a_parse_window_holding_a_namespace_opener_but_not_its_closer_keeps_a_whole_answer() -> (
    None
):
    truth = (
        "\n  for (int i = 0; i < kRepeat; i++) {"
        '\n    const char ch = param.mock_foo->Baz("a", "b");'
        "\n    if (ch == 'a') {"
    )
    assert shown_at(STRESS, truth, lang="cpp") == truth


def test_a_namespace_closer_labelled_in_other_words_is_known_too() -> None:
    # googlemock/test/gmock-cardinalities_test.cc ends its namespace with `}  // Unnamed namespace`
    # (its `namespace {` beyond the prefix the server keeps)
    buffer = SAMPLE1.replace("}  // namespace", "}  // Unnamed namespace").replace(
        "namespace {", "// namespace"
    )
    raw = BODY[: BODY.index("IsPrime(6)")]
    assert shown_at(buffer, raw, lang="cpp", truncated=True) == ""
    assert shown_at(buffer, BODY, lang="cpp") == BODY
