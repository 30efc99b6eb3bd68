import Foundation

extension SpecLoader {
    /// Reads and parses one file, or reuses `previous` when its stamp (`status`, from
    /// `lstat`) shows it untouched or its content is the same; `now` is when this load
    /// started. A file `status` refuses, or that cannot be read safely, is refused with
    /// one diagnostic. `unchanged`: the caller vouches that the content is `previous`'s (a
    /// Git tree diff says so); it is reused without being read.
    static func loadFile(
        _ path: String, relativePath: String, status: Result<FileStamp, SpecFileError>, limits: LoaderLimits, previous: SpecLoadCache.Entry?, now: Int64,
        unchanged: Bool = false
    ) -> LoadedFile {
        let stamp: FileStamp
        switch status {
        case .success(let listed): stamp = listed
        case .failure(let error): return .refused([RepositoryScanner.refusal(relativePath, error)])
        }
        if unchanged, var previous {
            // Stamped now, but hashed when it was: the next load by stamp alone finds it racy
            // and hashes it, rather than trusting a stamp nobody checked against the bytes.
            previous.stamp = stamp
            return LoadedFile(entry: previous, result: previous.result, read: false, parsed: false)
        }
        if let previous, previous.stamp == stamp, !stamp.isRacy(hashedAt: previous.hashedAt) {
            return LoadedFile(entry: previous, result: previous.result, read: false, parsed: false)
        }
        let bytes: [UInt8]
        let opened: FileStamp
        do throws(SpecFileError) {
            let file = try SpecFileReader.contents(of: path, limit: limits.maximumFileSize)
            bytes = file.bytes
            opened = file.stamp
        } catch {
            return .refused([RepositoryScanner.refusal(relativePath, error)])
        }
        let digest = SpecLoadCache.digest(bytes)
        if var previous, previous.size == bytes.count, previous.digest == digest {
            previous.stamp = opened
            previous.hashedAt = now
            return LoadedFile(entry: previous, result: previous.result, parsed: false)
        }
        let result = decode(bytes, relativePath: relativePath, limits: limits)
        return LoadedFile(entry: SpecLoadCache.Entry(size: bytes.count, digest: digest, result: result, stamp: opened, hashedAt: now), result: result)
    }

    /// Where the total byte budget stops a load: the index of the first file not read
    /// (`files.count` when they all fit) and the one error reported at that file. Sizes are
    /// the stamps' (`statuses`), counted in path order whether a file is read or reused, so
    /// an incremental load stops where a full load of the same tree does; refused files
    /// (links, special files, files over the per-file limit) are not read and count 0.
    static func budget(_ statuses: [Result<FileStamp, SpecFileError>], files: [String], limit: Int) -> (cutoff: Int, diagnostics: [Diagnostic]) {
        var total = 0
        var cutoff = files.count
        for (index, status) in statuses.enumerated() {
            guard case .success(let stamp) = status else { continue }
            let (sum, overflow) = total.addingReportingOverflow(stamp.size)
            total = overflow ? .max : sum
            if total > limit, cutoff == files.count { cutoff = index }
        }
        guard cutoff < files.count else { return (cutoff, []) }
        let message = "the spec files add up to \(total) bytes, over the limit of \(limit) bytes for one load; "
            + "this file and the \(files.count - cutoff - 1) after it (in path order) were not read: "
            + "remove spec files or exclude some with \(RepositoryScanner.ignoreFileName)"
        return (cutoff, [Diagnostic(at: SourceLocation(file: files[cutoff], line: 1, column: 1), message)])
    }

    /// `body` of every index below `count`, computed in batches across cores (one task a
    /// batch, so that 100,000 small files do not make 100,000 tasks), in index order.
    static func inBatches<Value: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Value) async -> [Value] {
        guard count > 0 else { return [] }
        let batch = max(1, count / (ProcessInfo.processInfo.activeProcessorCount * 8))
        return await withTaskGroup(of: (start: Int, values: [Value]).self) { group in
            for start in stride(from: 0, to: count, by: batch) {
                group.addTask { (start, (start..<min(start + batch, count)).map(body)) }
            }
            var parts = [[Value]](repeating: [], count: (count + batch - 1) / batch)
            for await part in group { parts[part.start / batch] = part.values }
            return parts.flatMap { $0 }
        }
    }
}
