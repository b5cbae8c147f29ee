import Foundation

/// A fresh directory under the system's temporary directory, removed by ``remove()``.
struct TemporaryDirectory: Sendable {
  let url: URL

  init(_ label: String = "oci-tests") throws {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    self.url = url
  }

  var path: String { self.url.path }

  func file(_ name: String) -> URL {
    self.url.appendingPathComponent(name, isDirectory: false)
  }

  @discardableResult
  func write(_ name: String, _ text: String, executable: Bool = false) throws -> URL {
    let file = self.file(name)
    try Data(text.utf8).write(to: file)
    if executable {
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
    }
    return file
  }

  func remove() {
    try? FileManager.default.removeItem(at: self.url)
  }

  /// Runs `body` with a new directory and removes the directory afterwards.
  static func with<T>(
    _ label: String = "oci-tests", _ body: (TemporaryDirectory) async throws -> T
  ) async throws -> T {
    let directory = try TemporaryDirectory(label)
    defer { directory.remove() }
    return try await body(directory)
  }
}
