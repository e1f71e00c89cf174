//! Hand-written mirrors of the parts of the Market C ABI v1 (PluginAPI/include/market/*.h)
//! this plugin uses. Field order and widths must match the headers exactly; the assertions at
//! the bottom repeat the layout checks of PluginAPI/abi/layout.c so a mistake fails the build.

#![allow(non_camel_case_types, dead_code)]

use std::os::raw::{c_char, c_void};

pub type mk_status_t = i32;

pub const MK_ABI_VERSION_MAJOR: u32 = 1;
pub const MK_ABI_VERSION_MINOR: u32 = 0;
pub const MK_ABI_VERSION: u32 = (MK_ABI_VERSION_MAJOR << 16) | MK_ABI_VERSION_MINOR;

pub const MK_OK: mk_status_t = 0;
pub const MK_ERR_INVALID_ARGUMENT: mk_status_t = 1;
pub const MK_ERR_NOT_FOUND: mk_status_t = 2;
pub const MK_ERR_TOO_LARGE: mk_status_t = 6;
pub const MK_ERR_UNAVAILABLE: mk_status_t = 7;
pub const MK_ERR_INTERNAL: mk_status_t = 9;
pub const MK_ERR_RETRY_LATER: mk_status_t = 13;
pub const MK_ERR_REJECTED: mk_status_t = 14;

pub const MK_PLUGIN_CONCURRENT: u32 = 1;

pub const MK_LOG_INFO: i32 = 2;
pub const MK_LOG_WARNING: i32 = 3;

pub const MK_TOOLS_V1: &[u8] = b"market.tools/1";
pub const MK_EVENTS_V1: &[u8] = b"market.events/1";
// Service ids are passed to C, so they carry their NUL.
pub const MK_KV_V1: &[u8] = b"market.kv/1\0";
pub const MK_LOG_V1: &[u8] = b"market.log/1\0";
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

// The descriptor holds pointers to static, immutable strings only, so sharing it is sound.
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

#[repr(C)]
pub struct mk_kv_v1_t {
    pub struct_size: u32,
    pub get: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t, value: *mut mk_sink_t) -> mk_status_t>,
    pub put: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t, value: mk_str_t) -> mk_status_t>,
    pub remove: Option<unsafe extern "C" fn(host: *const mk_host_t, key: mk_str_t) -> mk_status_t>,
    pub list: Option<unsafe extern "C" fn(host: *const mk_host_t, prefix: mk_str_t, keys_json: *mut mk_sink_t) -> mk_status_t>,
}

#[repr(C)]
pub struct mk_log_v1_t {
    pub struct_size: u32,
    pub log: Option<unsafe extern "C" fn(host: *const mk_host_t, level: i32, message: mk_str_t, fields_json: mk_str_t)>,
}

impl mk_str_t {
    /// Borrows a Rust string for the duration of one call into the host.
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

// The layout of PluginAPI/abi/layout.c on LP64, checked at compile time.
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
    assert!(size_of::<mk_host_events_v1_t>() == 16);
    assert!(size_of::<mk_kv_v1_t>() == 40);
    assert!(size_of::<mk_log_v1_t>() == 16);
};
