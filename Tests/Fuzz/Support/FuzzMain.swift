import Foundation

/// The entry point of every harness: built by scripts/fuzz.sh (with `-DFUZZING` and libFuzzer)
/// it hands the harness to libFuzzer's driver; built plainly it replays files (`FuzzReplay`).
public enum FuzzMain {
    nonisolated(unsafe) static var harness: ([UInt8]) -> Void = { _ in }

    public static func run(_ body: @escaping ([UInt8]) -> Void) -> Never {
        #if FUZZING
        harness = body
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzerTestOneInput))
        #else
        FuzzReplay.run(body)
        exit(0)
        #endif
    }
}

#if FUZZING
/// What libFuzzer's driver calls by name (its own main would call it too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMain.harness(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// libFuzzer's driver for programs that keep their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif
