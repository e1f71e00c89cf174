import MarketCore
import MarketPluginAPI
import PluginKit

/// A finished completion: the result JSON of market/model.h.
public struct ModelCompletion: Sendable {
    public let resultJSON: String
}

extension PluginInstance {
    /// Runs one chat completion (`market.model/1`). `onDelta` receives each streamed delta
    /// (JSON) on the instance's thread and returns false to stop the stream.
    public func complete(request: String, context: String = "{}", timeout: Duration? = nil,
                         onDelta: (@Sendable (String) -> Bool)? = nil) async throws -> ModelCompletion {
        guard let model = modelTable else {
            throw MarketError(.capabilityMissing, "\(pluginID) is not a model provider", fix: "configure a plugin whose kinds include \"model\"")
        }
        // The table is static data in a library that is never unloaded.
        let table = UncheckedSendable(model)
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        let what = "\(pluginID): completion"
        return try await call(.model, token: token, what: what) {
            let result = SinkBuffer(limit: self.limits.maximumResultBytes)
            let error = SinkBuffer(limit: self.limits.maximumErrorBytes)
            let deltas = DeltaForwarder(onDelta)
            var retryAfter: UInt32 = 0
            let status = try self.entered(token) {
                token.withCall(context: context) { call in
                    withBorrowedString(request) { request in
                        result.withSink { resultSink in
                            error.withSink { errorSink in
                                deltas.withSink { deltaSink in
                                    table.value.pointee.complete(self.handle, request, call, deltaSink, resultSink, errorSink, &retryAfter)
                                }
                            }
                        }
                    }
                }
            }
            guard status == MK_OK else {
                let failure = self.failure(status, error, what, token: token)
                if status == MK_ERR_RATE_LIMITED {
                    throw MarketError(failure.code, failure.message + (retryAfter > 0 ? " (retry after \(retryAfter) ms)" : ""),
                                      underlying: failure.underlying)
                }
                throw failure
            }
            return ModelCompletion(resultJSON: try self.checkedJSON(result, what))
        }
    }
}

/// Hands each delta a model plugin writes to a Swift closure.
private final class DeltaForwarder {
    let handler: (@Sendable (String) -> Bool)?

    init(_ handler: (@Sendable (String) -> Bool)?) {
        self.handler = handler
    }

    func withSink<Result>(_ body: (UnsafeMutablePointer<mk_sink_t>?) -> Result) -> Result {
        guard handler != nil else { return body(nil) }
        var sink = mk_sink_t(
            struct_size: UInt32(MemoryLayout<mk_sink_t>.size),
            ctx: Unmanaged.passUnretained(self).toOpaque(),
            write: { context, pointer, count in
                guard let context else { return MK_ERR_INTERNAL }
                let forwarder = Unmanaged<DeltaForwarder>.fromOpaque(context).takeUnretainedValue()
                let delta = String(decoding: UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count), as: UTF8.self)
                return forwarder.handler?(delta) == false ? MK_ERR_CANCELLED : MK_OK
            }
        )
        return withExtendedLifetime(self) { body(&sink) }
    }
}
