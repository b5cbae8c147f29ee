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
      try "FROM scratch\n".write(
        toFile: self.path + "/" + dockerfile, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: self.path) }
  }

  private func invocation(_ arguments: [String], environment: [String: String] = [:]) throws
    -> BuildInvocation
  {
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
    #expect(
      request.exports == [
        .init(type: "image", attributes: ["name": "127.0.0.1:5000/app:1", "push": "true"])
      ])
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
    #expect(
      request.exports == [
        .init(type: "image", attributes: ["name": "127.0.0.1:5000/app:1", "push": "true"])
      ])
    #expect(
      request.cacheExports == [
        .init(type: "registry", attributes: ["ref": "127.0.0.1:5000/cache", "mode": "max"])
      ])
    #expect(
      request.cacheImports == [.init(type: "registry", attributes: ["ref": "127.0.0.1:5000/cache"])]
    )
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
      try self.invocation([
        "--context", context.path, "--file", context.path + "/Missing.Dockerfile",
      ])
    } throws: { error in
      (error as? BuildKitError)?.message.contains("Missing.Dockerfile") == true
    }
  }

  @Test("secrets come from files or the environment, which must exist")
  func secrets() throws {
    let context = try Context()
    let invocation = try self.invocation(
      [
        "--context", context.path, "--secret", "id=a,src=\(context.path)/Dockerfile", "--secret",
        "id=b,env=TOKEN",
      ],
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
      [
        "--context", context.path, "--repo", "team/app", "--tag", "v1", "--tag", "latest",
        "--platform", "linux/amd64,linux/arm64",
      ],
      environment: ["BUILDKIT_REGISTRY": "127.0.0.1:5000"]
    )
    #expect(invocation.tags == ["127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:latest"])
    #expect(invocation.platforms == ["linux/amd64", "linux/arm64"])
    #expect(invocation.isMultiPlatform)
  }

  @Test("a --builder may give TLS fields of its own, read from files or a folder")
  func builderTLS() throws {
    let context = try Context()
    let pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"
    for name in ["ca.pem", "cert.pem", "key.pem"] {
      try pem.replacingOccurrences(of: "CERTIFICATE", with: name)
        .write(toFile: context.path + "/" + name, atomically: true, encoding: .utf8)
    }
    let invocation = try self.invocation([
      "--context", context.path, "--platform", "linux/amd64,linux/arm64",
      "--builder", "linux/arm64=tcp://127.0.0.1:1234,tlsdir=\(context.path),tlsservername=b.test",
      "--builder", "linux/amd64=unix:///run/a.sock",
    ])
    #expect(invocation.builders["linux/arm64"] == "tcp://127.0.0.1:1234")
    #expect(invocation.builders["linux/amd64"] == "unix:///run/a.sock")
    let tls = try #require(invocation.builderTLS["linux/arm64"])
    #expect(tls.trustedCertificates?.contains("BEGIN ca.pem") == true)
    #expect(tls.certificateChain?.contains("BEGIN cert.pem") == true)
    #expect(tls.privateKey?.contains("BEGIN key.pem") == true)
    #expect(tls.serverName == "b.test")
    #expect(invocation.builderTLS["linux/amd64"] == nil)
  }

  @Test("a --builder field that is not a TLS setting is a usage error naming it")
  func builderUnknownField() throws {
    let context = try Context()
    let error = #expect(throws: UsageError.self) {
      try self.invocation([
        "--context", context.path, "--builder", "linux/arm64=tcp://127.0.0.1:1,tls=true",
      ])
    }
    #expect(error?.message.contains("\"tls\"") == true)
    #expect(error?.message.contains("tlsdir") == true)
  }

  @Test("--registry-cacert must name a readable file")
  func registryCAFile() throws {
    let context = try Context()
    let dockerfile = context.path + "/Dockerfile"
    let invocation = try self.invocation([
      "--context", context.path, "--registry-cacert", dockerfile,
    ])
    #expect(invocation.registry.certificateAuthorityFile == dockerfile)
    let error = #expect(throws: UsageError.self) {
      try self.invocation(["--context", context.path, "--registry-cacert", context.path + "/none"])
    }
    #expect(error?.message.contains(context.path + "/none") == true)
  }

  @Test("the shared key is stable for a directory and differs between directories")
  func sharedKey() {
    #expect(BuildInvocation.sharedKey(for: "/tmp/a") == BuildInvocation.sharedKey(for: "/tmp/a/"))
    #expect(BuildInvocation.sharedKey(for: "/tmp/a") != BuildInvocation.sharedKey(for: "/tmp/b"))
    #expect(BuildInvocation.sharedKey(for: "/tmp/a").hasPrefix("a:"))
  }
}
