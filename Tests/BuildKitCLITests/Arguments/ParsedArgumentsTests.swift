import Testing

@testable import BuildKitCLI

@Suite("ParsedArguments")
struct ParsedArgumentsTests {
  static let specs = [
    OptionSpec(["--output", "-o"], .values, help: "output"),
    OptionSpec(["--addr"], .value, help: "address"),
    OptionSpec(["--push"], .flag, help: "push"),
  ]

  @Test("reads values written with a space, an equals sign and a short name")
  func readsValueSpellings() throws {
    let parsed = try ParsedArguments(
      ["--addr", "unix:///a.sock", "--output=type=local,dest=x", "-o", "type=tar,dest=y"],
      specs: Self.specs,
      command: "build"
    )
    #expect(parsed.value("addr") == "unix:///a.sock")
    #expect(parsed.all("output") == ["type=local,dest=x", "type=tar,dest=y"])
  }

  @Test("the last value of a single-valued option wins")
  func lastValueWins() throws {
    let parsed = try ParsedArguments(
      ["--addr", "a", "--addr", "b"], specs: Self.specs, command: "x")
    #expect(parsed.value("addr") == "b")
  }

  @Test("flags accept true and false")
  func flags() throws {
    #expect(try ParsedArguments(["--push"], specs: Self.specs, command: "x").flag("push"))
    #expect(try !ParsedArguments(["--push=false"], specs: Self.specs, command: "x").flag("push"))
    #expect(throws: UsageError.self) {
      try ParsedArguments(["--push=maybe"], specs: Self.specs, command: "x")
    }
  }

  @Test("an unknown option is a usage error naming it")
  func unknownOption() {
    #expect {
      try ParsedArguments(["--bogus"], specs: Self.specs, command: "build")
    } throws: { error in
      (error as? UsageError)?.message == "unknown option --bogus for build"
    }
  }

  @Test("an option missing its value is a usage error")
  func missingValue() {
    #expect {
      try ParsedArguments(["--addr"], specs: Self.specs, command: "x")
    } throws: { error in
      (error as? UsageError)?.message.contains("--addr needs") == true
    }
  }

  @Test("arguments after -- are positional, and --help is noted")
  func positionalsAndHelp() throws {
    let parsed = try ParsedArguments(["--help", "--", "--addr"], specs: Self.specs, command: "x")
    #expect(parsed.wantsHelp)
    #expect(parsed.positionals == ["--addr"])
  }
}

@Suite("CSVFields")
struct CSVFieldsTests {
  @Test(
    "splits output specs like buildctl",
    arguments: [
      ("type=local,dest=out", ["type=local", "dest=out"]),
      ("type=image,\"name=a,b\",push=true", ["type=image", "name=a,b", "push=true"]),
      ("type=image,name=\"x,y\"", ["type=image", "name=x,y"]),
      ("", []),
    ]
  )
  func splits(text: String, expected: [String]) {
    #expect(CSVFields.split(text) == expected)
  }

  @Test("a field without = is a usage error naming it")
  func rejectsFieldWithoutEquals() {
    #expect {
      try CSVFields.pairs("type=local,oops", option: "--output", command: "build")
    } throws: { error in
      (error as? UsageError)?.message.contains("\"oops\"") == true
    }
  }
}
