import MarketPluginAPI
import Foundation

/// The static capability tables every PluginKit plugin shares; each function finds the Swift
/// instance behind `void *instance` and calls the protocol method.
enum Tables {
    nonisolated(unsafe) static let tools = table(mk_tools_v1_t(
        struct_size: UInt32(MemoryLayout<mk_tools_v1_t>.size),
        list: { instance, out in
            guard let instance = Instance.from(instance) else { return MK_ERR_INVALID_ARGUMENT }
            guard let dynamic = instance.dynamicTools else { return write(instance.toolListing, to: out).rawValue }
            return guarded(nil) {
                let listing = "[" + (try dynamic.listTools()).map(\.json).joined(separator: ",") + "]"
                let status = write(listing, to: out)
                guard status == .ok else { throw PluginError(status, "the tool list could not be written") }
            }
        },
        call: { instance, name, arguments, call, result, error in
            guarded(error) {
                guard let instance = Instance.from(instance) else { throw PluginError(.invalidArgument, "no instance") }
                let toolName = name.string
                let output: [UInt8]
                if let dynamic = instance.dynamicTools {
                    output = try dynamic.callTool(named: toolName, arguments: Array(arguments.buffer), context: CallContext(call))
                } else {
                    guard let tool = instance.tools[toolName] else { throw PluginError(.notFound, "there is no tool named '\(toolName)'") }
                    output = try tool.run(Array(arguments.buffer), CallContext(call))
                }
                let status = write(output, to: result)
                guard status == .ok else { throw PluginError(status, "the result could not be written: \(status)") }
            }
        }
    ))

    nonisolated(unsafe) static let events = table(mk_events_v1_t(
        struct_size: UInt32(MemoryLayout<mk_events_v1_t>.size),
        handle: { instance, envelope, call, error in
            var outcome = EventOutcome.acknowledged
            let status = guarded(error) {
                guard let plugin = Instance.from(instance)?.plugin as? any EventPlugin else {
                    throw PluginError(.unsupported, "this plugin does not receive events")
                }
                outcome = try plugin.handle(event: Event(envelope: Array(envelope.buffer)), context: CallContext(call))
            }
            guard status == MK_OK else { return status }
            switch outcome {
            case .acknowledged: return MK_OK
            case .retryLater: return MK_ERR_RETRY_LATER
            case .rejected: return MK_ERR_REJECTED
            }
        }
    ))

    nonisolated(unsafe) static let eventBatches = table(mk_event_batches_v1_t(
        struct_size: UInt32(MemoryLayout<mk_event_batches_v1_t>.size),
        handle_batch: { instance, envelopes, call, results, error in
            guarded(error) {
                guard let plugin = Instance.from(instance)?.plugin as? any EventBatchPlugin else {
                    throw PluginError(.unsupported, "this plugin does not receive event batches")
                }
                let outcomes = try EventBatch.handle(plugin, envelopes: try EventBatch.envelopes(envelopes.buffer), context: CallContext(call))
                let status = write(EventBatchOutcome.resultsJSON(outcomes), to: results)
                guard status == .ok else { throw PluginError(status, "the results could not be written: \(status)") }
            }
        }
    ))

    nonisolated(unsafe) static let connectionTest = table(mk_connection_test_v1_t(
        struct_size: UInt32(MemoryLayout<mk_connection_test_v1_t>.size),
        test: { instance, call, report, error in
            guarded(error) {
                guard let plugin = Instance.from(instance)?.plugin as? any ConnectionTestPlugin else {
                    throw PluginError(.unsupported, "this plugin offers no connection test")
                }
                let status = write(ConnectionTestStep.reportJSON(try plugin.testConnection(context: CallContext(call))), to: report)
                guard status == .ok else { throw PluginError(status, "the report could not be written: \(status)") }
            }
        }
    ))

    nonisolated(unsafe) static let model = table(mk_model_v1_t(
        struct_size: UInt32(MemoryLayout<mk_model_v1_t>.size),
        complete: { instance, request, call, deltas, result, errorSink, retryAfter in
            do {
                guard let plugin = Instance.from(instance)?.plugin as? any ModelPlugin else {
                    throw PluginError(.unsupported, "this plugin is not a model provider")
                }
                let output = try plugin.complete(request: Array(request.buffer), context: CallContext(call),
                                                 stream: deltas.map(DeltaStream.init))
                return write(output, to: result).rawValue
            } catch let failure as PluginError {
                retryAfter?.pointee = failure.retryAfterMilliseconds
                write(failure.message, to: errorSink)
                return failure.status.rawValue
            } catch {
                return guarded(errorSink) { throw error }
            }
        }
    ))

    nonisolated(unsafe) static let ingress = table(mk_ingress_v1_t(
        struct_size: UInt32(MemoryLayout<mk_ingress_v1_t>.size),
        handle: { instance, request, call, status, headers, body in
            guarded(nil) {
                guard let plugin = Instance.from(instance)?.plugin as? any IngressPlugin, let request else {
                    throw PluginError(.unsupported, "this plugin does not handle inbound HTTP")
                }
                let response = try plugin.handle(request: HTTPRequest(request), context: CallContext(call))
                status?.pointee = Int32(clamping: response.status)
                let names = try JSONEncoder().encode(response.headers)
                write(Array(names), to: headers)
                write(response.body, to: body)
            }
        }
    ))

    nonisolated(unsafe) static let targets = table(mk_targets_v1_t(
        struct_size: UInt32(MemoryLayout<mk_targets_v1_t>.size),
        prepare: { instance, request, call, out, error in
            guarded(error) {
                guard let plugin = Instance.from(instance)?.plugin as? any TargetPlugin else {
                    throw PluginError(.unsupported, "this plugin delivers to no targets")
                }
                let prepared = try plugin.prepareTarget(request: TargetRequest(json: Array(request.buffer)), context: CallContext(call))
                let status = write(prepared.json, to: out)
                guard status == .ok else { throw PluginError(status, "the prepared target could not be written: \(status)") }
            }
        },
        deliver: { instance, envelope, target, call, out in
            // The outcome sink is the only output: a thrown error is reported as a "retry" outcome
            // with its message (what the host makes of a non-OK status anyway), `.rejected` as "failed".
            var outcome: DeliveryOutcome
            do {
                guard let plugin = Instance.from(instance)?.plugin as? any TargetPlugin else {
                    throw PluginError(.unsupported, "this plugin delivers to no targets")
                }
                outcome = try plugin.deliver(event: Event(envelope: Array(envelope.buffer)), target: TargetDelivery(json: Array(target.buffer)),
                                             context: CallContext(call))
            } catch let failure as PluginError {
                outcome = DeliveryOutcome(failure.status == .rejected ? .failed : .retry, error: failure.message)
            } catch {
                outcome = DeliveryOutcome(.retry, error: "\(error)")
            }
            return write(outcome.json, to: out).rawValue
        }
    ))

    private static func table<Table>(_ value: Table) -> UnsafeMutablePointer<Table> {
        let pointer = UnsafeMutablePointer<Table>.allocate(capacity: 1)
        pointer.initialize(to: value)
        return pointer
    }
}
