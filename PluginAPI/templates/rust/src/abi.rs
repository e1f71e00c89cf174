//! Rust mirrors of the Market plugin ABI v1 (the C headers in PluginAPI/include/market/), plus
//! a few safe helpers around them. Field order and widths must match the headers exactly.
//!
//! Only what this plugin uses is mirrored. To use another service (market.http/1,
//! market.secrets/1, ...), copy its struct from the header the same way: integers keep their
//! width, pointers stay raw pointers, function pointers become
//! `Option<unsafe extern "C" fn(...)>`.

#![allow(non_camel_case_types, dead_code)]

use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub type mk_status_t = i32;

pub const MK_ABI_VERSION_MAJOR: u32 = 1;
pub const MK_ABI_VERSION_MINOR: u32 = 0;
pub const MK_ABI_VERSION: u32 = (MK_ABI_VERSION_MAJOR << 16) | MK_ABI_VERSION_MINOR;

// Status codes (market/types.h).
pub const MK_OK: mk_status_t = 0;
pub const MK_ERR_INVALID_ARGUMENT: mk_status_t = 1;
pub const MK_ERR_NOT_FOUND: mk_status_t = 2;
pub const MK_ERR_PERMISSION_DENIED: mk_status_t = 3;
pub const MK_ERR_UNAVAILABLE: mk_status_t = 7;
pub const MK_ERR_UNSUPPORTED: mk_status_t = 8;
pub const MK_ERR_INTERNAL: mk_status_t = 9;
pub const MK_ERR_RETRY_LATER: mk_status_t = 13;
pub const MK_ERR_REJECTED: mk_status_t = 14;

// Descriptor flags (market/plugin.h).
pub const MK_PLUGIN_SERIAL: u32 = 0;
pub const MK_PLUGIN_CONCURRENT: u32 = 1;

// Log levels (market/log.h).
pub const MK_LOG_DEBUG: i32 = 1;
pub const MK_LOG_INFO: i32 = 2;
pub const MK_LOG_WARNING: i32 = 3;
pub const MK_LOG_ERROR: i32 = 4;

// Capability and service ids. Those handed to C carry their NUL.
pub const MK_TOOLS_V1: &[u8] = b"market.tools/1";
pub const MK_EVENTS_V1: &[u8] = b"market.events/1";
pub const MK_LOG_V1: &[u8] = b"market.log/1\0";
pub const MK_KV_V1: &[u8] = b"market.kv/1\0";
pub const MK_HOST_EVENTS_V1: &[u8] = b"market.events/1\0";

#[repr(C)]
#[derive(Clone, Copy)]
pub struct mk_str_t {
    pub ptr: *const c_char,
    pub len: usize,
}

#[repr(C)]
pub struct mk_sink_t {
    pub struct_size: u32,
    pub ctx: *mut c_void,
    pub write: Option<unsafe extern "C" fn(ctx: *mut c_void, ptr: *const c_char, len: usize) -> mk_status_t>,
}

#[repr(C)]
pub struct mk_call_t {
    pub struct_size: u32,
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

#[repr(C)]
pub struct mk_log_v1_t {
    pub struct_size: u32,
    pub log: Option<unsafe extern "C" fn(host: *const mk_host_t, level: i32, message: mk_str_t, fields_json: mk_str_t)>,
}

#[repr(C)]
pub struct mk_kv_v1_t {
    pub struct_size: u32,
    pub get: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t, value: *mut mk_sink_t) -> mk_status_t>,
    pub put: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t, value: mk_str_t) -> mk_status_t>,
    pub remove: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t) -> mk_status_t>,
    pub list: Option<unsafe extern "C" fn(host: *const mk_host_t, prefix: mk_str_t, keys_json: *mut mk_sink_t) -> mk_status_t>,
}

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

// Catches a struct that drifted from the C layout at compile time (LP64 platforms).
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::size_of;
    assert!(size_of::<mk_str_t>() == 16);
    assert!(size_of::<mk_sink_t>() == 24);
    assert!(size_of::<mk_call_t>() == 48);
    assert!(size_of::<mk_host_t>() == 24);
    assert!(size_of::<mk_plugin_descriptor_t>() == 64);
    assert!(size_of::<mk_tools_v1_t>() == 24);
    assert!(size_of::<mk_events_v1_t>() == 16);
    assert!(size_of::<mk_log_v1_t>() == 16);
    assert!(size_of::<mk_kv_v1_t>() == 40);
    assert!(size_of::<mk_host_events_v1_t>() == 16);
};

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

/// Writes `text` to a sink the host passed in.
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

/// Runs the body of an entry point: a failure becomes its status plus a message in `error`,
/// and a panic becomes MK_ERR_INTERNAL instead of unwinding into the host (which would abort).
pub fn guard(error: *mut mk_sink_t, body: impl FnOnce() -> Result<(), Failure>) -> mk_status_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => MK_OK,
        Ok(Err(failure)) => {
            let _ = write_sink(error, &failure.message);
            failure.status
        }
        Err(_) => {
            let _ = catch_unwind(|| write_sink(error, "internal error in the plugin"));
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
        let mut sink = mk_sink_t {
            struct_size: std::mem::size_of::<mk_sink_t>() as u32,
            ctx: &mut value as *mut Vec<u8> as *mut c_void,
            write: Some(append_to_vec),
        };
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

/// The write function of sinks this plugin hands to the host; `ctx` is a `Vec<u8>`.
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
    .unwrap_or(MK_ERR_INTERNAL)
}
