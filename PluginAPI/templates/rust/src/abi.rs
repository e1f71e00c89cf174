//! The Market plugin ABI v1 in Rust: every constant, struct and table of the C headers
//! (market/*.h, in PluginAPI/include/market/ of the Market repository), plus a few safe helpers
//! around them. Field order and widths must match the headers exactly; the size checks below
//! fail the build when they do not.
//!
//! The mirror is mechanical: integers keep their C width, pointers stay raw pointers, and a
//! function pointer becomes `Option<unsafe extern "C" fn(...)>`, where None is NULL.

#![allow(non_camel_case_types, dead_code)]

use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

// ---------------------------------------------------------------------------------------------
// market/types.h
// ---------------------------------------------------------------------------------------------

pub const MK_ABI_VERSION_MAJOR: u32 = 1;
pub const MK_ABI_VERSION_MINOR: u32 = 0;
/// A version packs major (high 16 bits) and minor (low 16 bits).
pub const MK_ABI_VERSION: u32 = (MK_ABI_VERSION_MAJOR << 16) | MK_ABI_VERSION_MINOR;

pub const fn mk_abi_major(version: u32) -> u32 {
    version >> 16
}

pub const fn mk_abi_minor(version: u32) -> u32 {
    version & 0xFFFF
}

/// Status codes, frozen. A caller treats an unknown non-zero status as MK_ERR_INTERNAL.
pub type mk_status_t = i32;
pub const MK_OK: mk_status_t = 0;
pub const MK_ERR_INVALID_ARGUMENT: mk_status_t = 1;
pub const MK_ERR_NOT_FOUND: mk_status_t = 2;
pub const MK_ERR_PERMISSION_DENIED: mk_status_t = 3;
pub const MK_ERR_TIMEOUT: mk_status_t = 4;
pub const MK_ERR_CANCELLED: mk_status_t = 5;
pub const MK_ERR_TOO_LARGE: mk_status_t = 6;
pub const MK_ERR_UNAVAILABLE: mk_status_t = 7;
pub const MK_ERR_UNSUPPORTED: mk_status_t = 8;
pub const MK_ERR_INTERNAL: mk_status_t = 9;
pub const MK_ERR_RATE_LIMITED: mk_status_t = 10;
pub const MK_ERR_UNAUTHENTICATED: mk_status_t = 11;
pub const MK_ERR_CONTEXT_TOO_LONG: mk_status_t = 12;
/// Events: not handled now, deliver again later.
pub const MK_ERR_RETRY_LATER: mk_status_t = 13;
/// Events: will never be handled, do not retry.
pub const MK_ERR_REJECTED: mk_status_t = 14;
pub const MK_ERR_UPSTREAM: mk_status_t = 15;

/// A borrowed UTF-8 string, not NUL-terminated, valid only during the call it is passed to.
/// `ptr` may be NULL only when `len` is 0.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct mk_str_t {
    pub ptr: *const c_char,
    pub len: usize,
}

/// Receives output from the other side, so neither side frees the other's memory.
#[repr(C)]
pub struct mk_sink_t {
    pub struct_size: u32,
    pub ctx: *mut c_void,
    pub write: Option<unsafe extern "C" fn(ctx: *mut c_void, ptr: *const c_char, len: usize) -> mk_status_t>,
}

// ---------------------------------------------------------------------------------------------
// market/call.h, market/host.h, market/plugin.h
// ---------------------------------------------------------------------------------------------

#[repr(C)]
pub struct mk_call_t {
    pub struct_size: u32,
    /// CLOCK_MONOTONIC nanoseconds; 0 means no deadline.
    pub deadline_ns: u64,
    pub context_json: mk_str_t,
    pub token: *const c_void,
    pub is_cancelled: Option<unsafe extern "C" fn(call: *const mk_call_t) -> i32>,
}

#[repr(C)]
pub struct mk_host_t {
    pub struct_size: u32,
    pub abi_version: u32,
    pub host_data: *mut c_void,
    pub get_service: Option<unsafe extern "C" fn(host: *const mk_host_t, id: *const c_char) -> *const c_void>,
}

/// Calls into one instance never overlap.
pub const MK_PLUGIN_SERIAL: u32 = 0;
/// An instance may be called from several threads at once.
pub const MK_PLUGIN_CONCURRENT: u32 = 1;

#[repr(C)]
pub struct mk_plugin_descriptor_t {
    pub struct_size: u32,
    pub abi_version: u32,
    pub id: *const c_char,
    pub version: *const c_char,
    pub toolchain: *const c_char,
    pub flags: u32,
    pub create: Option<
        unsafe extern "C" fn(
            host: *const mk_host_t,
            config_json: mk_str_t,
            out_instance: *mut *mut c_void,
            error: *mut mk_sink_t,
        ) -> mk_status_t,
    >,
    pub destroy: Option<unsafe extern "C" fn(instance: *mut c_void)>,
    pub get_capability: Option<unsafe extern "C" fn(id: *const c_char) -> *const c_void>,
}

// The descriptor only points at static, immutable strings, so sharing it is sound.
unsafe impl Sync for mk_plugin_descriptor_t {}

/// The type of the library's one export, named MK_PLUGIN_ENTRY_V1_SYMBOL.
pub type mk_plugin_entry_v1_fn = unsafe extern "C" fn(host_abi_version: u32) -> *const mk_plugin_descriptor_t;
pub const MK_PLUGIN_ENTRY_V1_SYMBOL: &[u8] = b"mk_plugin_entry_v1\0";

// ---------------------------------------------------------------------------------------------
// Service and capability ids
// ---------------------------------------------------------------------------------------------

// Capability ids are compared with the bytes of the id the host asks for (CStr::to_bytes), so
// they have no NUL. Service ids are handed to the host's get_service, so they end with one.
// "market.events/1" is both: MK_EVENTS_V1 to offer, MK_HOST_EVENTS_V1 to publish.
pub const MK_TOOLS_V1: &[u8] = b"market.tools/1";
pub const MK_EVENTS_V1: &[u8] = b"market.events/1";
pub const MK_MODEL_V1: &[u8] = b"market.model/1";
pub const MK_INGRESS_V1: &[u8] = b"market.ingress/1";

pub const MK_LOG_V1: &[u8] = b"market.log/1\0";
pub const MK_KV_V1: &[u8] = b"market.kv/1\0";
pub const MK_HOST_EVENTS_V1: &[u8] = b"market.events/1\0";
pub const MK_HTTP_V1: &[u8] = b"market.http/1\0";
pub const MK_SECRETS_V1: &[u8] = b"market.secrets/1\0";
pub const MK_METRICS_V1: &[u8] = b"market.metrics/1\0";

// ---------------------------------------------------------------------------------------------
// Host services: tables returned by mk_host_t.get_service
// ---------------------------------------------------------------------------------------------

// market/log.h
pub const MK_LOG_TRACE: i32 = 0;
pub const MK_LOG_DEBUG: i32 = 1;
pub const MK_LOG_INFO: i32 = 2;
pub const MK_LOG_WARNING: i32 = 3;
pub const MK_LOG_ERROR: i32 = 4;

#[repr(C)]
pub struct mk_log_v1_t {
    pub struct_size: u32,
    pub log: Option<unsafe extern "C" fn(host: *const mk_host_t, level: i32, message: mk_str_t, fields_json: mk_str_t)>,
}

// market/http.h
#[repr(C)]
#[derive(Clone, Copy)]
pub struct mk_http_header_t {
    pub name: mk_str_t,
    pub value: mk_str_t,
}

#[repr(C)]
pub struct mk_http_request_t {
    pub struct_size: u32,
    pub method: mk_str_t,
    pub url: mk_str_t,
    pub headers: *const mk_http_header_t,
    pub header_count: usize,
    pub body: mk_str_t,
    pub timeout_ms: u32,
    pub max_response_bytes: u64,
}

#[repr(C)]
pub struct mk_http_v1_t {
    pub struct_size: u32,
    pub fetch: Option<
        unsafe extern "C" fn(
            host: *const mk_host_t,
            request: *const mk_http_request_t,
            call: *const mk_call_t,
            out_status: *mut i32,
            response_headers: *mut mk_sink_t,
            response_body: *mut mk_sink_t,
        ) -> mk_status_t,
    >,
}

// market/kv.h
#[repr(C)]
pub struct mk_kv_v1_t {
    pub struct_size: u32,
    pub get: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t, value: *mut mk_sink_t) -> mk_status_t>,
    pub put: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t, value: mk_str_t) -> mk_status_t>,
    pub remove: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t) -> mk_status_t>,
    pub list: Option<unsafe extern "C" fn(host: *const mk_host_t, prefix: mk_str_t, keys_json: *mut mk_sink_t) -> mk_status_t>,
}

// market/events.h, the publishing side
#[repr(C)]
pub struct mk_host_events_v1_t {
    pub struct_size: u32,
    pub publish: Option<
        unsafe extern "C" fn(
            host: *const mk_host_t,
            type_: mk_str_t,
            data_json: mk_str_t,
            conversation_id: mk_str_t,
            out_event_id: *mut mk_sink_t,
        ) -> mk_status_t,
    >,
}

// market/secrets.h
#[repr(C)]
pub struct mk_secrets_v1_t {
    pub struct_size: u32,
    pub get: Option<unsafe extern "C" fn(host: *const mk_host_t, name: mk_str_t, value: *mut mk_sink_t) -> mk_status_t>,
}

// market/metrics.h
pub const MK_METRIC_COUNTER: i32 = 0;
pub const MK_METRIC_GAUGE: i32 = 1;
pub const MK_METRIC_HISTOGRAM: i32 = 2;

#[repr(C)]
pub struct mk_metrics_v1_t {
    pub struct_size: u32,
    pub record: Option<
        unsafe extern "C" fn(host: *const mk_host_t, kind: i32, name: mk_str_t, labels_json: mk_str_t, value: f64) -> mk_status_t,
    >,
}

// ---------------------------------------------------------------------------------------------
// Plugin capabilities: tables returned by the descriptor's get_capability
// ---------------------------------------------------------------------------------------------

// market/tools.h
#[repr(C)]
pub struct mk_tools_v1_t {
    pub struct_size: u32,
    pub list: Option<unsafe extern "C" fn(instance: *mut c_void, out: *mut mk_sink_t) -> mk_status_t>,
    pub call: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            name: mk_str_t,
            arguments_json: mk_str_t,
            call: *const mk_call_t,
            result: *mut mk_sink_t,
            error: *mut mk_sink_t,
        ) -> mk_status_t,
    >,
}

// market/events.h, the receiving side
#[repr(C)]
pub struct mk_events_v1_t {
    pub struct_size: u32,
    pub handle: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            envelope_json: mk_str_t,
            call: *const mk_call_t,
            error: *mut mk_sink_t,
        ) -> mk_status_t,
    >,
}

// market/model.h
#[repr(C)]
pub struct mk_model_v1_t {
    pub struct_size: u32,
    pub complete: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            request_json: mk_str_t,
            call: *const mk_call_t,
            deltas: *mut mk_sink_t,
            result: *mut mk_sink_t,
            error: *mut mk_sink_t,
            out_retry_after_ms: *mut u32,
        ) -> mk_status_t,
    >,
}

// market/ingress.h
#[repr(C)]
pub struct mk_ingress_v1_t {
    pub struct_size: u32,
    pub handle: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            request: *const mk_http_request_t,
            call: *const mk_call_t,
            out_status: *mut i32,
            response_headers: *mut mk_sink_t,
            response_body: *mut mk_sink_t,
        ) -> mk_status_t,
    >,
}

// The sizes PluginAPI/abi/layout.c checks for the C headers on LP64, so a struct that drifts
// from its header fails the build here too.
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::size_of;
    assert!(size_of::<mk_str_t>() == 16);
    assert!(size_of::<mk_sink_t>() == 24);
    assert!(size_of::<mk_call_t>() == 48);
    assert!(size_of::<mk_host_t>() == 24);
    assert!(size_of::<mk_plugin_descriptor_t>() == 64);
    assert!(size_of::<mk_log_v1_t>() == 16);
    assert!(size_of::<mk_http_header_t>() == 32);
    assert!(size_of::<mk_http_request_t>() == 88);
    assert!(size_of::<mk_http_v1_t>() == 16);
    assert!(size_of::<mk_kv_v1_t>() == 40);
    assert!(size_of::<mk_host_events_v1_t>() == 16);
    assert!(size_of::<mk_secrets_v1_t>() == 16);
    assert!(size_of::<mk_metrics_v1_t>() == 16);
    assert!(size_of::<mk_tools_v1_t>() == 24);
    assert!(size_of::<mk_events_v1_t>() == 16);
    assert!(size_of::<mk_model_v1_t>() == 16);
    assert!(size_of::<mk_ingress_v1_t>() == 16);
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

impl mk_str_t {
    /// Lends a Rust string to the host for the duration of one call.
    pub fn from_str(s: &str) -> mk_str_t {
        mk_str_t { ptr: s.as_ptr() as *const c_char, len: s.len() }
    }

    pub fn empty() -> mk_str_t {
        mk_str_t { ptr: std::ptr::null(), len: 0 }
    }

    /// The bytes of a string the host lent us.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes that outlive the returned slice.
    pub unsafe fn as_bytes<'a>(self) -> &'a [u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.ptr as *const u8, self.len)
        }
    }
}

impl mk_sink_t {
    /// A sink to hand to the host that appends what it receives to `buffer`. The buffer must
    /// outlive the sink and stay untouched while the host may write to it.
    pub fn collecting(buffer: &mut Vec<u8>) -> mk_sink_t {
        mk_sink_t {
            struct_size: std::mem::size_of::<mk_sink_t>() as u32,
            ctx: buffer as *mut Vec<u8> as *mut c_void,
            write: Some(append_to_vec),
        }
    }
}

/// The write function of `mk_sink_t::collecting`; `ctx` is a `Vec<u8>`.
unsafe extern "C" fn append_to_vec(ctx: *mut c_void, ptr: *const c_char, len: usize) -> mk_status_t {
    catch_unwind(AssertUnwindSafe(|| {
        if ctx.is_null() {
            return MK_ERR_INTERNAL;
        }
        let buffer = &mut *(ctx as *mut Vec<u8>);
        if !ptr.is_null() && len > 0 {
            buffer.extend_from_slice(std::slice::from_raw_parts(ptr as *const u8, len));
        }
        MK_OK
    }))
    // Growing a Vec panics only when the size would overflow (running out of memory aborts).
    .unwrap_or(MK_ERR_TOO_LARGE)
}

/// An error to report to the host: a status code and a message people can read.
pub struct Failure {
    pub status: mk_status_t,
    pub message: String,
}

impl Failure {
    pub fn new(status: mk_status_t, message: impl Into<String>) -> Failure {
        Failure { status, message: message.into() }
    }
}

/// Shorthand for the most common failure: the input was wrong.
pub fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(MK_ERR_INVALID_ARGUMENT, message)
}

/// Writes `text` to a sink the host passed in. A NULL sink takes nothing and succeeds.
pub fn write_sink(sink: *mut mk_sink_t, text: &str) -> Result<(), Failure> {
    let status = match unsafe { sink.as_ref() }.and_then(|s| s.write.map(|write| (s.ctx, write))) {
        Some((ctx, write)) => unsafe { write(ctx, text.as_ptr() as *const c_char, text.len()) },
        None => MK_OK,
    };
    if status == MK_OK {
        Ok(())
    } else {
        Err(Failure::new(status, "the host refused the output"))
    }
}

/// Runs the body of an entry point: a failure becomes its status, with its message written to
/// `error` unless it is empty, and a panic becomes MK_ERR_INTERNAL instead of unwinding into
/// the host (which would abort).
pub fn guard(error: *mut mk_sink_t, body: impl FnOnce() -> Result<(), Failure>) -> mk_status_t {
    guard_named(error, "the plugin", body)
}

/// `guard`, naming the plugin in the message reported for a panic.
pub fn guard_named(error: *mut mk_sink_t, plugin: &str, body: impl FnOnce() -> Result<(), Failure>) -> mk_status_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => MK_OK,
        Ok(Err(failure)) => {
            if !failure.message.is_empty() {
                let _ = write_sink(error, &failure.message);
            }
            failure.status
        }
        Err(_) => {
            let _ = catch_unwind(|| write_sink(error, &format!("internal error in {}", plugin)));
            MK_ERR_INTERNAL
        }
    }
}

/// What the host offers an instance: logging, a key-value store and event publishing.
/// Look services up once, in create(); the tables stay valid until the instance is destroyed.
pub struct Host {
    raw: *const mk_host_t,
    log: *const mk_log_v1_t,
    kv: *const mk_kv_v1_t,
    events: *const mk_host_events_v1_t,
}

// The host's service functions are documented as thread-safe and the mk_host_t outlives the
// instance, so the instance may move between (and, for concurrent plugins, be shared by)
// the host's threads.
unsafe impl Send for Host {}
unsafe impl Sync for Host {}

impl Host {
    /// # Safety
    /// `raw` must be the mk_host_t passed to create().
    pub unsafe fn new(raw: *const mk_host_t) -> Result<Host, Failure> {
        let get_service = match raw.as_ref().and_then(|h| h.get_service) {
            Some(get_service) => get_service,
            None => return Err(invalid("the host table is NULL")),
        };
        let service = |id: &[u8]| get_service(raw, id.as_ptr() as *const c_char);
        Ok(Host {
            raw,
            log: service(MK_LOG_V1) as *const mk_log_v1_t,
            kv: service(MK_KV_V1) as *const mk_kv_v1_t,
            events: service(MK_HOST_EVENTS_V1) as *const mk_host_events_v1_t,
        })
    }

    /// The mk_host_t, which every service function takes first.
    pub fn raw(&self) -> *const mk_host_t {
        self.raw
    }

    /// The table of a service by its NUL-terminated id, e.g. `MK_HTTP_V1` (then cast it to
    /// `*const mk_http_v1_t`), or NULL when the host does not offer it.
    pub fn service(&self, id: &[u8]) -> *const c_void {
        if id.last() != Some(&0) {
            return std::ptr::null();
        }
        match unsafe { self.raw.as_ref() }.and_then(|h| h.get_service) {
            Some(get_service) => unsafe { get_service(self.raw, id.as_ptr() as *const c_char) },
            None => std::ptr::null(),
        }
    }

    /// Logs through the host. `fields_json` is a JSON object of extra fields, or "".
    pub fn log(&self, level: i32, message: &str, fields_json: &str) {
        if let Some(log) = unsafe { self.log.as_ref() }.and_then(|table| table.log) {
            let fields = if fields_json.is_empty() { mk_str_t::empty() } else { mk_str_t::from_str(fields_json) };
            unsafe { log(self.raw, level, mk_str_t::from_str(message), fields) };
        }
    }

    /// The value stored under `key`, or None when there is none.
    pub fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, Failure> {
        let get = match unsafe { self.kv.as_ref() }.and_then(|table| table.get) {
            Some(get) => get,
            None => return Err(Failure::new(MK_ERR_UNAVAILABLE, "the host offers no key-value store")),
        };
        let mut value: Vec<u8> = Vec::new();
        let mut sink = mk_sink_t::collecting(&mut value);
        match unsafe { get(self.raw, mk_str_t::from_str(key), &mut sink) } {
            MK_OK => Ok(Some(value)),
            MK_ERR_NOT_FOUND => Ok(None),
            status => Err(Failure::new(status, format!("could not read '{}' (status {})", key, status))),
        }
    }

    pub fn kv_put(&self, key: &str, value: &str) -> Result<(), Failure> {
        let put = match unsafe { self.kv.as_ref() }.and_then(|table| table.put) {
            Some(put) => put,
            None => return Err(Failure::new(MK_ERR_UNAVAILABLE, "the host offers no key-value store")),
        };
        match unsafe { put(self.raw, mk_str_t::from_str(key), mk_str_t::from_str(value)) } {
            MK_OK => Ok(()),
            status => Err(Failure::new(status, format!("could not write '{}' (status {})", key, status))),
        }
    }

    /// Publishes an event. Its type must be listed in plugin.json under permissions.events.emit.
    pub fn publish(&self, event_type: &str, data_json: &str) -> Result<(), Failure> {
        let publish = match unsafe { self.events.as_ref() }.and_then(|table| table.publish) {
            Some(publish) => publish,
            None => return Err(Failure::new(MK_ERR_UNAVAILABLE, "the host offers no event publishing")),
        };
        let status = unsafe {
            publish(
                self.raw,
                mk_str_t::from_str(event_type),
                mk_str_t::from_str(data_json),
                mk_str_t::empty(),
                std::ptr::null_mut(),
            )
        };
        match status {
            MK_OK => Ok(()),
            status => Err(Failure::new(status, format!("could not publish '{}' (status {})", event_type, status))),
        }
    }
}
