import BuildKit
import Foundation
import Testing

@testable import BuildKitCLI

@Suite("BuildInvocation")
struct BuildInvocationTests {
  /// A context directory with a Dockerfile, removed when the test ends.
  final class Context {
    let path: String

    init(dockerfile: String = "Dockerfile") throws {
      self.path = NSTemporaryDirectory() + "invocation-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
      try "FROM scratch\n".write(toFile: self.path + "/" + dockerfile, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: self.path) }
  }

  private func invocation(_ arguments: [String], environment: [String: String] = [:]) throws -> BuildInvocation {
    let parsed = try ParsedArguments(arguments, specs: BuildCommand.allOptions, command: "build")
    return try BuildInvocation(parsed, environment: environment, command: "build")
  }

  @Test("the short form maps onto buildctl's locals, options and image output")
  func shortForm() throws {
    let context = try Context(dockerfile: "build.Dockerfile")
    let invocation = try self.invocation([
      "--context", context.path, "--file", context.path + "/build.Dockerfile",
      "--tag", "127.0.0.1:5000/app:1", "--push", "--target", "prod", "--build-arg", "A=b",
    ])
    let request = invocation.request
    #expect(request.localDirectories["context"] == context.path)
    #expect(request.localDirectories["dockerfile"] == URL(fileURLWithPath: context.path).path)
    #expect(request.frontendAttributes["filename"] == "build.Dockerfile")
    #expect(request.frontendAttributes["target"] == "prod")
    #expect(request.frontendAttributes["build-arg:A"] == "b")
    #expect(request.exports == [.init(type: "image", attributes: ["name": "127.0.0.1:5000/app:1", "push": "true"])])
    #expect(!request.sharedKey.isEmpty)
  }

  @Test("buildctl's long form gives the same request")
  func longForm() throws {
    let context = try Context()
    let invocation = try self.invocation([
      "--frontend", "dockerfile.v0", "--local", "context=\(context.path)",
      "--local", "dockerfile=\(context.path)", "--opt", "target=prod",
      "--output", "type=registry,name=127.0.0.1:5000/app:1", "--no-cache",
      "--export-cache", "type=registry,ref=127.0.0.1:5000/cache,mode=max",
      "--import-cache", "type=registry,ref=127.0.0.1:5000/cache",
    ])
    let request = invocation.request
    #expect(request.frontendAttributes["target"] == "prod")
    #expect(request.frontendAttributes["no-cache"] == "")
    #expect(request.exports == [.init(type: "image", attributes: ["name": "127.0.0.1:5000/app:1", "push": "true"])])
    #expect(request.cacheExports == [.init(type: "registry", attributes: ["ref": "127.0.0.1:5000/cache", "mode": "max"])])
    #expect(request.cacheImports == [.init(type: "registry", attributes: ["ref": "127.0.0.1:5000/cache"])])
  }

  @Test(
    "streamed outputs get a destination on our side",
    arguments: [
      ("type=local,dest=out", ExportDestination.directory("out")),
      ("type=tar,dest=out.tar", .file("out.tar")),
      ("type=oci,dest=-", .standardOutput),
      ("type=docker,dest=img.tar", .file("img.tar")),
    ]
  )
  func destinations(spec: String, expected: ExportDestination) throws {
    let context = try Context()
    let invocation = try self.invocation(["--context", context.path, "--output", spec])
    #expect(invocation.request.exports.first?.destination == expected)
    #expect(invocation.request.exports.first?.attributes["dest"] == nil)
  }

  @Test(
    "malformed flags are usage errors",
    arguments: [
      ["--output", "type=bogus"], ["--output", "type=local"], ["--output", "dest=x"],
      ["--secret", "src=/etc/hostname"], ["--opt", "novalue"], ["--progress", "fancy"],
      ["--push"], ["--index-type", "zip"], ["stray"],
    ]
  )
  func usageErrors(extra: [String]) throws {
    let context = try Context()
    #expect(throws: UsageError.self) {
      try self.invocation(["--context", context.path] + extra)
    }
  }

  @Test("a missing context or Dockerfile is reported naming the path")
  func missingInputs() throws {
    #expect {
      try self.invocation(["--context", "/nonexistent/ctx"])
    } throws: { error in
      (error as? BuildKitError)?.message.contains("/nonexistent/ctx") == true
    }
    let context = try Context()
    #expect {
      try self.invocation(["--context", context.path, "--file", context.path + "/Missing.Dockerfile"])
    } throws: { error in
      (error as? BuildKitError)?.message.contains("Missing.Dockerfile") == true
    }
  }

  @Test("secrets come from files or the environment, which must exist")
  func secrets() throws {
    let context = try Context()
    let invocation = try self.invocation(
      ["--context", context.path, "--secret", "id=a,src=\(context.path)/Dockerfile", "--secret", "id=b,env=TOKEN"],
      environment: ["TOKEN": "x"]
    )
    #expect(invocation.request.secrets["a"] == .file(context.path + "/Dockerfile"))
    #expect(invocation.request.secrets["b"] == .environment("TOKEN"))
    #expect(throws: BuildKitError.self) {
      try self.invocation(["--context", context.path, "--secret", "id=c,env=UNSET_VARIABLE"])
    }
  }

  @Test("--repo and --registry make full references from --tag")
  func repositoryShortForm() throws {
    let context = try Context()
    let invocation = try self.invocation(
      ["--context", context.path, "--repo", "team/app", "--tag", "v1", "--tag", "latest", "--platform", "linux/amd64,linux/arm64"],
      environment: ["BUILDKIT_REGISTRY": "127.0.0.1:5000"]
    )
    #expect(invocation.tags == ["127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:latest"])
    #expect(invocation.platforms == ["linux/amd64", "linux/arm64"])
    #expect(invocation.isMultiPlatform)
  }

  @Test("the shared key is stable for a directory and differs between directories")
  func sharedKey() {
    #expect(BuildInvocation.sharedKey(for: "/tmp/a") == BuildInvocation.sharedKey(for: "/tmp/a/"))
    #expect(BuildInvocation.sharedKey(for: "/tmp/a") != BuildInvocation.sharedKey(for: "/tmp/b"))
    #expect(BuildInvocation.sharedKey(for: "/tmp/a").hasPrefix("a:"))
  }
}
