"""Quality corpus for suggestion post-processing and the single/multi-line decision.

Each ``Case`` is a buffer with the cursor marked ``<|>``, a raw Codestral answer and the text a
careful user wants to see (``""`` = show nothing). ``multiline="auto"`` lets
``decide_multiline`` choose, as the server does with the default setting. Raw answers imitate
real failure modes: duplicated closers, re-typed suffix, runaway repetition, spurious leading
space or newline, code fences, the other indentation style, echoed prefix, blank answers. The
``good`` group holds answers that are already right and must pass untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

CURSOR = "<|>"


@dataclass(frozen=True)
class Case:
    id: str
    lang: str
    buffer: str
    raw: str
    expected: str
    multiline: bool | str = "auto"

    @property
    def prefix(self) -> str:
        return self.buffer.split(CURSOR)[0]

    @property
    def suffix(self) -> str:
        return self.buffer.split(CURSOR)[1]

    @property
    def group(self) -> str:
        return self.id.split("-")[0]


@dataclass(frozen=True)
class MultilineCase:
    id: str
    lang: str
    buffer: str
    expected: bool
    setting: str = "auto"

    @property
    def prefix(self) -> str:
        return self.buffer.split(CURSOR)[0]

    @property
    def suffix(self) -> str:
        return self.buffer.split(CURSOR)[1]


def _good(id: str, lang: str, buffer: str, raw: str, multiline: bool | str = "auto") -> Case:
    return Case(f"good-{id}", lang, buffer, raw, raw, multiline)


# ---------------------------------------------------------------------------------------------
# Answers that are already right: nothing may change them.

GOOD = [
    _good("py-return", "python", "def add(a, b):\n    <|>\n", "return a + b"),
    _good(
        "py-call-args",
        "python",
        "import os\n\ndef main():\n    path = <|>\n",
        'os.path.join(os.getcwd(), "data")',
    ),
    _good(
        "py-init",
        "python",
        "class Point:\n    def __init__(self, x, y):\n        <|>\n",
        "self.x = x\n        self.y = y",
    ),
    _good(
        "py-branch",
        "python",
        "for i in range(10):\n    if i % 2 == 0:\n        <|>\n    else:\n        print('odd')\n",
        "print('even')",
    ),
    _good(
        "ts-template",
        "typescript",
        "function greet(name: string): string {\n  <|>\n}\n",
        "return `Hello, ${name}!`;",
    ),
    _good(
        "ts-arrow-arg",
        "typescript",
        "const users = await fetchUsers();\nconst names = users.map(<|>);\n",
        "(u) => u.name",
    ),
    _good(
        "js-handler",
        "javascript",
        "app.get('/', (req, res) => {\n  <|>\n});\n",
        "res.send('Hello World!');",
    ),
    _good(
        "go-loop",
        "go",
        "func sum(xs []int) int {\n\ttotal := 0\n\t<|>\n}\n",
        "for _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total",
    ),
    _good(
        "rust-for",
        "rust",
        "fn main() {\n    let v = vec![1, 2, 3];\n    <|>\n}\n",
        'for x in &v {\n        println!("{}", x);\n    }',
    ),
    _good(
        "lua-print",
        "lua",
        "local function greet(name)\n  <|>\nend\n",
        'print("Hello, " .. name)',
    ),
    _good(
        "c-printf",
        "c",
        "int main(void) {\n    <|>\n    return 0;\n}\n",
        'printf("hello\\n");',
    ),
    _good(
        "java-println",
        "java",
        "public class Main {\n    public static void main(String[] args) {\n"
        "        <|>\n    }\n}\n",
        'System.out.println("Hello");',
    ),
    _good("py-condition", "python", "if <|>:\n    pass\n", "x is None"),
    _good("py-genexpr", "python", "total = sum(<|>)\n", "x * x for x in values"),
    _good("js-comparator", "javascript", "const sorted = items.sort((a, b) => <|>);\n", "a - b"),
    _good(
        "cpp-cout",
        "cpp",
        "std::vector<int> v{1, 2, 3};\nfor (auto& x : v) {\n    <|>\n}\n",
        "std::cout << x << std::endl;",
    ),
    _good(
        "py-two-lines",
        "python",
        "def parse(args):\n    parser = argparse.ArgumentParser()\n    <|>\n",
        'parser.add_argument("--verbose", action="store_true")\n    return parser.parse_args(args)',
    ),
    _good(
        "ts-interface",
        "typescript",
        "interface User {\n  id: number;\n  <|>\n}\n",
        "name: string;\n  email: string;",
    ),
    _good("ruby-puts", "ruby", "def greet(name)\n  <|>\nend\n", 'puts "Hello, #{name}"'),
    _good("js-closer-in-string", "javascript", "console.log(<|>);\n", "'unbalanced ) inside'"),
    _good(
        "yaml-service",
        "yaml",
        "services:\n  web:\n    <|>\n",
        'image: nginx:latest\n    ports:\n      - "80:80"',
    ),
    _good(
        "sql-where",
        "sql",
        "SELECT id, name\nFROM users\nWHERE <|>\n",
        "active = 1\nORDER BY name;",
        multiline=True,
    ),
    _good("sh-loop-body", "shellscript", "for f in *.txt; do\n  <|>\ndone\n", 'echo "$f"'),
    _good(
        "kotlin-foreach",
        "kotlin",
        "fun main() {\n    val xs = listOf(1, 2, 3)\n    <|>\n}\n",
        "xs.forEach { println(it) }",
    ),
    _good(
        "csharp-return", "csharp", "public int Add(int a, int b)\n{\n    <|>\n}\n", "return a + b;"
    ),
    _good("py-closes-open-list", "python", "values = [\n    1,\n    2,\n    <|>", "3,\n]"),
    _good(
        "js-nested-object",
        "javascript",
        "const config = {\n  <|>\n};\n",
        "server: {\n    port: 8080,\n  },\n  debug: true,",
    ),
    _good("py-hash-in-string", "python", "url = <|>\n", '"http://example.com/#anchor"'),
    _good("go-return-values", "go", "if err != nil {\n\treturn <|>\n}\n", "nil, err"),
    _good(
        "rust-lifetime",
        "rust",
        "fn first<'a>(xs: &'a [i32]) -> &'a i32 {\n    <|>\n}\n",
        "&xs[0]",
    ),
    _good("html-items", "html", "<ul>\n  <|>\n</ul>\n", "<li>One</li>\n  <li>Two</li>"),
    _good(
        "py-data-rows",
        "python",
        "grid = [\n    <|>\n]\n",
        "[0, 0, 0],\n    [0, 0, 0],\n    [0, 0, 0],",
    ),
    _good("py-self-reference", "python", "def inc(count):\n    count = <|>\n", "count + 1"),
    _good("py-next-line", "python", "def f():\n    x = 1<|>\n", "\n    return x"),
    _good(
        "ts-brace-expand",
        "typescript",
        "export function isEven(n: number): boolean {<|>}\n",
        "\n  return n % 2 === 0;\n",
    ),
    _good("py-space-needed", "python", "def f():\n    return<|>\n", " x"),
    _good("py-no-trailing-space", "python", "x =<|>\n", " 42"),
    _good(
        "py-deeper-indent",
        "python",
        "def f(x):\n    if x:\n    <|>\n",
        "    return 1",
    ),
    _good(
        "js-inner-closer",
        "javascript",
        "function f() {\n  if (x) {\n    <|>\n}\n",
        "foo();\n  }",
    ),
    _good("py-closes-call", "python", "result = max(\n    a,\n    <|>", "b,\n)"),
    _good(
        "lua-if-block",
        "lua",
        "local function f(a)\n  <|>\nend\n",
        "if a then\n    return 1\n  end\n  return 0",
    ),
    _good("markdown-fence", "markdown", "# Install\n\n<|>\n", "```bash\nnpm install\n```"),
    _good("py-line-above-code", "python", "def f():\n    <|>return x\n", "x = 1\n    "),
    _good("java-generic", "java", "List<String> names = new <|>;\n", "ArrayList<>()"),
    _good("py-trailing-space-midline", "python", "def f(a, b):\n    return <|>b\n", "a + "),
    _good("py-nested-call", "python", "print(<|>)\n", "len(items)"),
    _good(
        "sh-case-pattern",
        "shellscript",
        'case "$1" in\n  <|>\nesac\n',
        "start)\n    run\n    ;;",
    ),
    _good("c-char-literal", "c", "if (c == <|>) {\n", "')'"),
    _good("lisp-body", "scheme", "(define (square x)\n  <|>)\n", "(* x x)"),
    _good(
        "py-else-branch",
        "python",
        "if a:\n    x = 1\n<|>\n",
        "else:\n    x = 2",
    ),
    _good("js-answer-own-parens", "javascript", "run(<|>);\n", "parse(a), parse(b)"),
    _good("html-prose-paren", "html", "<p>\n  <|>\n</p>\n", "Prices (in EUR are approximate."),
    _good("js-object-spaces", "javascript", "const a = {<|>};\n", " a: 1 "),
    _good("py-docstring-close", "python", 'def f():\n    """<|>\n', 'Compute things."""'),
    _good(
        "go-if-block-newline",
        "go",
        "func f() error {\n\tif err != nil {<|>\n\treturn nil\n}\n",
        "\n\t\treturn err\n\t}",
    ),
    _good(
        "rust-impl-fn",
        "rust",
        "impl Foo {\n    <|>\n}\n",
        "fn new() -> Self {\n        Self {}\n    }",
    ),
    _good("lua-else-block", "lua", "if a then\n  b()\nelse<|>\nend\n", "\n  c()"),
    _good(
        "swift-guard",
        "swift",
        "func load(path: String) {\n    <|>\n}\n",
        "guard let url = URL(string: path) else { return }",
    ),
    _good(
        "elixir-body",
        "elixir",
        "defmodule Math do\n  def sum(a, b) do\n    <|>\n  end\nend\n",
        "a + b",
    ),
    _good("haskell-equation", "haskell", "square :: Int -> Int\nsquare x = <|>\n", "x * x"),
    _good(
        "tsx-element",
        "typescriptreact",
        "  return (\n    <div>\n      <|>\n    </div>\n  );\n",
        "<span>{label}</span>",
    ),
]

# ---------------------------------------------------------------------------------------------
# The model re-types text before the cursor.

ECHO = [
    Case("echo-py-line", "python", "def add(a, b):\n    return <|>\n", "return a + b", "a + b"),
    Case(
        "echo-py-prev-line",
        "python",
        "def add(a, b):\n    <|>\n",
        "def add(a, b):\n    return a + b",
        "return a + b",
    ),
    Case(
        "echo-ts-call",
        "typescript",
        "const result = compute(<|>\n",
        "compute(a, b);",
        "a, b);",
    ),
    Case(
        "echo-js-member",
        "javascript",
        "function total(items) {\n  return items.<|>\n}\n",
        "items.reduce((s, x) => s + x, 0);",
        "reduce((s, x) => s + x, 0);",
    ),
    Case(
        "echo-go-pkg",
        "go",
        "func main() {\n\tfmt.<|>\n}\n",
        'fmt.Println("hi")',
        'Println("hi")',
    ),
    Case(
        "echo-py-indent",
        "python",
        "def f():\n    x = 1\n    <|>\n",
        "    return x",
        "return x",
    ),
    Case(
        "echo-java-statement",
        "java",
        "for (int i = 0; i < n; i++) {\n    sum += <|>\n",
        "sum += a[i];",
        "a[i];",
    ),
    Case(
        "echo-lua-loop",
        "lua",
        "local t = {}\nfor i = 1, 10 do\n  <|>",
        "for i = 1, 10 do\n  t[i] = i * i\nend",
        "t[i] = i * i\nend",
    ),
    Case(
        "echo-rust-path",
        "rust",
        "fn main() {\n    let name = String::<|>\n}\n",
        'String::from("x");',
        'from("x");',
    ),
    Case(
        "echo-php-return",
        "php",
        "<?php\nfunction greet($name) {\n    return <|>\n}\n",
        'return "Hello, " . $name;',
        '"Hello, " . $name;',
    ),
    Case(
        "echo-cpp-indent",
        "cpp",
        "int f() {\n    int x = 0;\n    <|>\n}\n",
        "    return x;",
        "return x;",
    ),
]

# ---------------------------------------------------------------------------------------------
# Closers: the suffix already has them, or they close nothing.

CLOSER = [
    Case("closer-py-call", "python", "print(<|>)\n", '"hello")', '"hello"'),
    Case("closer-js-nested", "javascript", "foo(bar(<|>));\n", "1, 2));", "1, 2"),
    Case("closer-ts-array", "typescript", "const xs = [<|>];\n", "1, 2, 3];", "1, 2, 3"),
    Case("closer-go-if", "go", "if x := f(<|>); x > 0 {\n", "a, b); x > 0 {", "a, b"),
    Case("closer-rust-vec", "rust", "let v = vec![<|>];\n", "1, 2, 3];", "1, 2, 3"),
    Case(
        "closer-c-printf",
        "c",
        'int main(void) {\n    printf("%d\\n", <|>);\n    return 0;\n}\n',
        "x);",
        "x",
    ),
    Case("closer-java-add", "java", "list.add(<|>);\n", "item);", "item"),
    Case(
        "closer-js-brace-line",
        "javascript",
        "function f() {\n  <|>\n}\n",
        "return 1;\n}",
        "return 1;",
    ),
    Case(
        "closer-py-dict",
        "python",
        "config = {\n    <|>\n}\n",
        '"debug": True,\n}',
        '"debug": True,',
    ),
    Case("closer-py-string", "python", 'name = "<|>"\n', 'world"', "world"),
    Case("closer-lua-call", "lua", "print(<|>)\n", '"hi")', '"hi"'),
    Case(
        "closer-cpp-max",
        "cpp",
        "std::cout << std::max(<|>) << std::endl;\n",
        "a, b) << std::endl;",
        "a, b",
    ),
    Case("closer-ts-object", "typescript", "const obj = { a: <|> };\n", "1 };", "1"),
    Case("closer-py-stray", "python", "x = 1\n<|>\n", "y = 2)\nz = 3", "y = 2"),
    Case("closer-kotlin-list", "kotlin", "val s = listOf(<|>)\n", "1, 2, 3)", "1, 2, 3"),
    Case("closer-php-strlen", "php", "<?php\necho strlen(<|>);\n", "$name);", "$name"),
    Case(
        "closer-c-for-brace",
        "c",
        "for (int i = 0; i < n; i++) {\n    <|>\n}\n",
        "sum += a[i];\n}\nreturn sum;",
        "sum += a[i];",
    ),
    Case(
        "closer-java-method-end",
        "java",
        "class A {\n    int f() {\n        <|>\n    }\n}\n",
        "return 1;\n    }\n}",
        "return 1;",
    ),
    Case(
        "closer-ts-generic-call",
        "typescript",
        "const m = new Map<string, number>(<|>);\n",
        "entries);",
        "entries",
    ),
    Case("closer-only", "python", "foo(<|>)\n", ")", ""),
    Case(
        "closer-py-docstring-pair",
        "python",
        'def f():\n    """<|>"""\n',
        'Compute things."""',
        "Compute things.",
    ),
    Case(
        "closer-csharp-initializer",
        "csharp",
        "var list = new List<int> { <|> };\n",
        "1, 2, 3 };",
        "1, 2, 3",
    ),
    Case("closer-lisp", "scheme", "(define (square x)\n  (* x <|>))\n", "x))", "x"),
    Case(
        "closer-js-callback",
        "javascript",
        "items.forEach((item) => {\n  <|>\n});\n",
        "console.log(item);\n});",
        "console.log(item);",
    ),
    Case(
        "closer-go-map-literal",
        "go",
        "m := map[string]int{\n\t<|>\n}\n",
        '"a": 1,\n\t"b": 2,\n}',
        '"a": 1,\n\t"b": 2,',
    ),
    Case(
        "closer-rust-match-arm",
        "rust",
        "match x {\n    <|>\n}\n",
        "Some(v) => v,\n    None => 0,\n}",
        "Some(v) => v,\n    None => 0,",
    ),
]

# ---------------------------------------------------------------------------------------------
# The model re-types the code after the cursor.

SUFFIX = [
    Case(
        "suffix-py-return",
        "python",
        "def f(x):\n    <|>\n    return y\n",
        "y = x * 2\n    return y",
        "y = x * 2",
    ),
    Case(
        "suffix-py-only-repeat",
        "python",
        "def f(x):\n    y = x * 2\n    <|>\n    return y\n",
        "return y",
        "",
    ),
    Case("suffix-ts-midline", "typescript", "const x = <|> + 1;\n", "y + 1;", "y"),
    Case(
        "suffix-go-return",
        "go",
        "func f() int {\n\t<|>\n\treturn x\n}\n",
        "x := compute()\n\treturn x\n}",
        "x := compute()",
    ),
    Case(
        "suffix-rust-chain",
        "rust",
        "let total = a.iter().<|>.sum::<i32>();\n",
        "map(|x| x * 2).sum::<i32>();",
        "map(|x| x * 2)",
    ),
    Case(
        "suffix-java-other-indent",
        "java",
        "if (ready) {\n    <|>\n    return;\n}\n",
        "start();\n  return;",
        "start();",
    ),
    Case("suffix-py-spaces-differ", "python", "x = 1\n<|>\nprint(x)\n", "print( x )", ""),
    Case(
        "suffix-py-partial-line",
        "python",
        "def f():\n    <|>\n    return result\n",
        "result = compute()\n    return res",
        "result = compute()",
    ),
    Case(
        "suffix-go-partial-line",
        "go",
        "func f(xs []int) int {\n\t<|>\n\treturn total\n}\n",
        "total := sum(xs)\n\treturn tot",
        "total := sum(xs)",
    ),
    Case(
        "suffix-js-partial-line",
        "javascript",
        "function f() {\n  <|>\n  console.log(result);\n}\n",
        "const result = run();\n  console.lo",
        "const result = run();",
    ),
    Case("suffix-js-rest-of-line", "javascript", "const a = <|>b + c;\n", "b + c;", ""),
    Case(
        "suffix-ts-next-fields",
        "typescript",
        "type A = {\n  x: number;\n  <|>\n  z: number;\n};\n",
        "y: number;\n  z: number;\n};",
        "y: number;",
    ),
    Case(
        "suffix-lua-end",
        "lua",
        "local function f(a)\n  <|>\nend\n",
        "return a * 2\nend",
        "return a * 2",
    ),
    Case(
        "suffix-ruby-end",
        "ruby",
        "def total(items)\n  <|>\nend\n",
        "items.sum(&:price)\nend",
        "items.sum(&:price)",
    ),
    Case(
        "suffix-py-then-more",
        "python",
        "def f(x):\n    <|>\n    return y\n",
        "y = x * 2\n    return y\n\n\ndef g():\n    pass",
        "y = x * 2",
    ),
    Case(
        "suffix-c-next-statement",
        "c",
        "int main(void) {\n    int x = 1;\n    <|>\n    return x;\n}\n",
        "x += 2;\n    return x;\n}",
        "x += 2;",
    ),
    Case(
        "suffix-scala-result",
        "scala",
        "def f(x: Int): Int = {\n  <|>\n  y\n}\n",
        "val y = x * 2\n  y\n}",
        "val y = x * 2",
    ),
    Case("suffix-py-args", "python", "plot(x, <|>, color='red')\n", "y, color='red')", "y"),
    Case(
        "suffix-cpp-semicolon",
        "cpp",
        "int total = <|>;\n",
        "a + b;",
        "a + b",
    ),
]

# ---------------------------------------------------------------------------------------------
# Runaway repetition.

REPEAT = [
    Case(
        "repeat-py-line",
        "python",
        "for i in range(3):\n    <|>",
        "print(i)\n    print(i)\n    print(i)\n    print(i)\n    print(",
        "print(i)",
    ),
    Case(
        "repeat-js-push",
        "javascript",
        "const a = [];\n<|>",
        "a.push(1);\na.push(1);\na.push(1);\na.push(1);\na.push(1);",
        "a.push(1);",
    ),
    Case(
        "repeat-ts-block",
        "typescript",
        "class A {\n  <|>\n}\n",
        "foo() {}\n  bar() {}\n  foo() {}\n  bar() {}\n  foo() {}\n  bar() {}\n",
        "foo() {}\n  bar() {}",
    ),
    Case(
        "repeat-go-then-closer",
        "go",
        "func main() {\n\t<|>\n}\n",
        'fmt.Println("a")\n\tfmt.Println("a")\n\tfmt.Println("a")\n}',
        'fmt.Println("a")',
    ),
    Case(
        "repeat-py-recovers",
        "python",
        "def f():\n    <|>",
        "x = 1\n    y = 2\n    y = 2\n    y = 2\n    return x + y",
        "x = 1\n    y = 2\n    return x + y",
    ),
    Case(
        "repeat-rust-let",
        "rust",
        "fn main() {\n    <|>\n}\n",
        "let x = 1;\n    let x = 1;\n    let x = 1;\n    let x = 1;\n    let x",
        "let x = 1;",
    ),
    Case(
        "repeat-py-comments",
        "python",
        "def f():\n    <|>",
        "# TODO\n    # TODO\n    # TODO\n    # TODO",
        "# TODO",
    ),
    Case(
        "repeat-lua-block",
        "lua",
        "local function f()\n  <|>",
        "print(1)\n  print(2)\n  print(1)\n  print(2)\n  print(1)\n  print(2)\n  print(1)",
        "print(1)\n  print(2)",
    ),
    Case(
        "repeat-dart-print",
        "dart",
        "void main() {\n  <|>\n}\n",
        "print('hi');\n  print('hi');\n  print('hi');\n  print('hi');",
        "print('hi');",
    ),
    Case(
        "repeat-java-calls",
        "java",
        "void f() {\n    <|>\n}\n",
        'log.info("x");\n    log.info("x");\n    log.info("x");\n',
        'log.info("x");',
    ),
]

# ---------------------------------------------------------------------------------------------
# Codestral quirks: a spurious space or line break at the start.

QUIRK = [
    Case("quirk-py-space", "python", "x = <|>\n", " 42", "42"),
    Case("quirk-js-space", "javascript", "const name = <|>;\n", " 'Ada'", "'Ada'"),
    Case("quirk-go-space", "go", "func f() int {\n\treturn <|>\n}\n", " 0", "0"),
    Case("quirk-py-newline-call", "python", "print(<|>)\n", '\n"hi"', '"hi"'),
    Case("quirk-ts-newline-midline", "typescript", "if (<|> && ready) {\n", "\nuser", "user"),
    Case("quirk-lua-space", "lua", "local x = <|>\n", " 10", "10"),
    Case("quirk-c-newline", "c", "int x = <|>;\n", "\n42", "42"),
    Case(
        "quirk-java-newline-indented",
        "java",
        "class A {\n    int x = compute(<|>, 2);\n}\n",
        "\n        1",
        "1",
    ),
    Case("quirk-rust-space", "rust", "let n = <|>;\n", " 5", "5"),
    Case("quirk-csharp-space", "csharp", "var total = <|>;\n", " a + b", "a + b"),
    Case("quirk-ts-space-and-closer", "typescript", "const v = f(<|>);\n", " a, b);", "a, b"),
    Case(
        "quirk-py-space-after-space",
        "python",
        "def area(r):\n    return 3.14 * <|>\n",
        " r * r",
        "r * r",
    ),
]

# ---------------------------------------------------------------------------------------------
# Markdown code fences around the code.

FENCE = [
    Case(
        "fence-py",
        "python",
        "def f(a):\n    <|>\n",
        "```python\n    return a\n```",
        "return a",
    ),
    Case(
        "fence-ts-prose",
        "typescript",
        "function f() {\n  <|>\n}\n",
        "```typescript\nreturn 1;\n```\nThis returns one.",
        "return 1;",
    ),
    Case(
        "fence-go-echo",
        "go",
        "func main() {\n\tx := <|>\n}\n",
        "```go\nx := 5\n```",
        "5",
    ),
    Case(
        "fence-rust-bare",
        "rust",
        "fn main() {\n    <|>\n}\n",
        "```\nlet y = 2;\n```",
        "let y = 2;",
    ),
    Case(
        "fence-kotlin",
        "kotlin",
        "fun main() {\n    <|>\n}\n",
        '```kotlin\nprintln("hi")\n```',
        'println("hi")',
    ),
    Case("fence-js-trailing", "javascript", "const x = <|>\n", "42;\n```", "42;"),
    Case(
        "fence-cpp-leading-blank",
        "cpp",
        "int main() {\n    <|>\n}\n",
        "\n```cpp\nreturn 0;\n```\n",
        "return 0;",
    ),
]

# ---------------------------------------------------------------------------------------------
# The answer uses the other indentation style.

INDENT = [
    Case(
        "indent-go-spaces",
        "go",
        "func f() int {\n\tif x {\n\t\t<|>\n\t}\n\treturn 0\n}\n",
        "y := 1\n        return y",
        "y := 1\n\t\treturn y",
    ),
    Case(
        "indent-py-tabs",
        "python",
        "class A:\n    def f(self):\n        <|>\n",
        "x = 1\n\t\treturn x",
        "x = 1\n        return x",
    ),
    Case(
        "indent-make-recipe",
        "makefile",
        "build:\n\t<|>\n",
        "go build ./...\n    go test ./...",
        "go build ./...\n\tgo test ./...",
    ),
    Case(
        "indent-ts-two-spaces",
        "typescript",
        "function f() {\n  const a = 1;\n  <|>\n}\n",
        "if (a) {\n\t\treturn a;\n\t}",
        "if (a) {\n    return a;\n  }",
    ),
    Case(
        "indent-c-tabs",
        "c",
        "int f(void) {\n\tint x = 0;\n\t<|>\n}\n",
        "x++;\n    return x;",
        "x++;\n\treturn x;",
    ),
    Case(
        "indent-rust-tabs",
        "rust",
        "fn main() {\n    let a = 1;\n    <|>\n}\n",
        'if a > 0 {\n\t\tprintln!("pos");\n\t}',
        'if a > 0 {\n        println!("pos");\n    }',
    ),
    Case(
        "indent-java-first-line",
        "java",
        "class A {\n    void f() {\n<|>\n    }\n}\n",
        "\t\tint x = 0;",
        "        int x = 0;",
    ),
]

# ---------------------------------------------------------------------------------------------
# Nothing worth showing.

BLANK = [
    Case("blank-empty", "python", "def f():\n    <|>\n", "", ""),
    Case("blank-spaces", "typescript", "const x = <|>\n", "   \n\n  ", ""),
    Case("blank-newline", "go", "func f() {\n\t<|>\n}\n", "\n", ""),
    Case("blank-empty-fence", "rust", "fn f() {\n    <|>\n}\n", "```\n```", ""),
    Case("blank-js-closers", "javascript", "function f() {\n  <|>\n}\n", "}", ""),
]

# ---------------------------------------------------------------------------------------------
# Single-line mode.

SINGLE = [
    Case("single-py-midline", "python", "value = compute(<|>, 10)\n", "x\n    y = 2", "x"),
    Case(
        "single-ts-never",
        "typescript",
        "function f() {\n  <|>\n}\n",
        "const a = 1;\n  const b = 2;",
        "const a = 1;",
        multiline=False,
    ),
    Case(
        "single-js-next-line",
        "javascript",
        "let a = 1;<|>\n",
        "\nlet b = 2;\nlet c = 3;",
        "\nlet b = 2;",
    ),
    Case(
        "single-py-comment",
        "python",
        "# compute the <|>\n",
        "average of the values\nx = 1",
        "average of the values",
    ),
    Case(
        "single-py-open-string",
        "python",
        'msg = "Hello, <|>\n',
        'world!"\nprint(msg)',
        'world!"',
    ),
    Case(
        "single-go-statement-end",
        "go",
        "func f() {\n\tx := 1<|>\n}\n",
        "\n\ty := 2\n\tz := 3",
        "\n\ty := 2",
    ),
    Case(
        "single-lua-string",
        "lua",
        'local s = "abc<|>"\n',
        'def"\nprint(s)',
        "def",
    ),
    Case(
        "single-rust-midline-args",
        "rust",
        "let s = format!(<|>, name);\n",
        '"hello {}"\n    let t = 1;',
        '"hello {}"',
    ),
]

CASES: list[Case] = GOOD + ECHO + CLOSER + SUFFIX + REPEAT + QUIRK + FENCE + INDENT + BLANK + SINGLE

# ---------------------------------------------------------------------------------------------
# decide_multiline("auto") across languages.

MULTILINE_CASES = [
    MultilineCase("py-empty-after-def", "python", "def f():\n    <|>\n", True),
    MultilineCase("py-end-of-def", "python", "def f():<|>\n", True),
    MultilineCase("py-mid-call", "python", "x = foo(a<|>, b)\n", False),
    MultilineCase("py-after-equals", "python", "x = <|>\n", False),
    MultilineCase("py-comment", "python", "# comment <|>\n", False),
    MultilineCase("py-string", "python", "s = 'abc<|>'\n", False),
    MultilineCase("py-if-colon", "python", "if x:<|>\n", True),
    MultilineCase("py-dict-colon", "python", "d = {'a':<|>\n", False),
    MultilineCase("py-open-list", "python", "x = [<|>]\n", True),
    MultilineCase("py-docstring", "python", 'def f():\n    """Docstring <|>\n', False),
    MultilineCase("py-before-code", "python", "    <|>return x\n", False),
    MultilineCase("py-open-call-closers", "python", "print(<|>)\n", True),
    MultilineCase("py-closer-then-more", "python", "x = foo(<|>), y\n", False),
    MultilineCase("ts-brace-pair", "typescript", "function f() {<|>}\n", True),
    MultilineCase("ts-statement-end", "typescript", "const x = 1;<|>\n", False),
    MultilineCase("ts-arrow", "typescript", "const f = (x) =><|>\n", True),
    MultilineCase("ts-in-condition", "typescript", "if (a && <|>) {\n", False),
    MultilineCase("ts-generic-end", "typescript", "const xs: Array<string><|>\n", False),
    MultilineCase("js-empty-line", "javascript", "function f() {\n  <|>\n}\n", True),
    MultilineCase("js-line-comment", "javascript", "// TODO: <|>\n", False),
    MultilineCase("js-template", "javascript", "const s = `hello ${name}<|>`;\n", False),
    MultilineCase("go-func-open", "go", "func main() {<|>\n", True),
    MultilineCase("go-return", "go", "\treturn <|>\n", False),
    MultilineCase("go-slice-literal", "go", "x := []int{<|>}\n", True),
    MultilineCase("rust-fn-open", "rust", "fn main() -> i32 {<|>\n", True),
    MultilineCase("rust-return-type", "rust", "fn main() -><|>\n", False),
    MultilineCase("rust-lifetimes", "rust", "fn f<'a>(x: &'a str) {<|>\n", True),
    MultilineCase("lua-function", "lua", "function M.setup(opts)<|>\n", True),
    MultilineCase("lua-for-do", "lua", "for i = 1, 10 do<|>\n", True),
    MultilineCase("lua-then", "lua", "if x then<|>\n", True),
    MultilineCase("lua-string", "lua", 'local s = "abc<|>"\n', False),
    MultilineCase("c-main-open", "c", "int main(void) {<|>\n", True),
    MultilineCase("c-arrow-member", "c", "p-><|>\n", False),
    MultilineCase("cpp-stream", "cpp", "  std::cout << <|>\n", False),
    MultilineCase("java-method-open", "java", "public void run() {<|>\n", True),
    MultilineCase("java-lambda-arrow", "java", "list.forEach(x -><|>\n", True),
    MultilineCase("ruby-def", "ruby", "def total(items)<|>\n", True),
    MultilineCase("ruby-do-params", "ruby", "[1, 2].each do |x|<|>\n", True),
    MultilineCase("sh-do", "shellscript", "for f in *; do<|>\n", True),
    MultilineCase("sh-then", "shellscript", "if [ -f x ]; then<|>\n", True),
    MultilineCase("yaml-key", "yaml", "services:<|>\n", True),
    MultilineCase("html-open-tag", "html", '<div class="a"><|>\n', True),
    MultilineCase("html-void-tag", "html", "<br/><|>\n", False),
    MultilineCase("elixir-do", "elixir", "def hello do<|>\n", True),
    MultilineCase("kotlin-fun", "kotlin", "fun main() {<|>\n", True),
    MultilineCase("c-include", "c", "#include <|>\n", False),
    MultilineCase("haskell-equation", "haskell", "square x =<|>\n", True),
    MultilineCase("swift-func", "swift", "func load() {<|>\n", True),
    MultilineCase("php-member", "php", "$this-><|>\n", False),
    MultilineCase("csharp-midline", "csharp", "var x = Foo(<|>a);\n", False),
    MultilineCase("tsx-open-tag", "typescriptreact", '  <div className="a"><|>\n', True),
    MultilineCase("always-midline", "python", "x = foo(a<|>, b)\n", True, "always"),
    MultilineCase("never-empty-line", "python", "def f():\n    <|>\n", False, "never"),
]
