//! The roll tool: checks its arguments, rolls, and announces the roll as a "dice.rolled" event.

use crate::abi::*;
use crate::json::{integer_field, parse, parse_arguments, Json};
use crate::Instance;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub const MIN_SIDES: i128 = 2;
pub const MAX_SIDES: i128 = 1000;

impl Instance {
    pub(crate) fn roll(&self, arguments: &[u8], call: Option<&mk_call_t>) -> Result<String, Failure> {
        let args = parse_arguments(arguments, &["count", "sides", "seed"], "roll")?;
        let count = integer_field(&args, "count", 1, self.max_dice, "count")?.unwrap_or(1) as u64;
        let sides = integer_field(&args, "sides", MIN_SIDES, MAX_SIDES, "sides")?.unwrap_or(6) as u64;
        let seed = match integer_field(&args, "seed", i64::MIN as i128, u64::MAX as i128, "seed")? {
            // Negative seeds are accepted and reinterpreted, so any 64-bit integer works.
            Some(seed) => seed as u64,
            None => clock_seed(),
        };

        let mut rng = SplitMix64(seed);
        let rolls: Vec<u64> = (0..count).map(|_| 1 + rng.below(sides)).collect();
        let total: u64 = rolls.iter().sum();
        let listed: Vec<String> = rolls.iter().map(|r| r.to_string()).collect();

        self.publish_rolled(total, call);
        Ok(format!("{{\"rolls\":[{}],\"total\":{}}}", listed.join(","), total))
    }

    /// Announces a roll. The roll itself already happened, so a failure here is only logged.
    fn publish_rolled(&self, total: u64, call: Option<&mk_call_t>) {
        let publish = match unsafe { self.events.as_ref() }.and_then(|e| e.publish) {
            Some(publish) => publish,
            None => return,
        };
        // The event belongs to the conversation the roll was made in, when there is one.
        let conversation = call
            .map(|c| unsafe { c.context_json.as_bytes() })
            .and_then(|context| parse(context).ok())
            .and_then(|context| match context.get("conversation_id") {
                Some(Json::Str(id)) => Some(id.clone()),
                _ => None,
            });
        let data = format!("{{\"total\":{}}}", total);
        let conversation_str = match &conversation {
            Some(id) => mk_str_t::from_str(id),
            None => mk_str_t::empty(),
        };
        let status = unsafe {
            publish(
                self.host,
                mk_str_t::from_str("dice.rolled"),
                mk_str_t::from_str(&data),
                conversation_str,
                std::ptr::null_mut(),
            )
        };
        if status != MK_OK {
            self.log(MK_LOG_WARNING, "could not publish dice.rolled", &format!("{{\"status\":{}}}", status));
        }
    }
}

/// SplitMix64: tiny, fast and fully determined by its seed, which is what repeatable rolls need.
/// Not for anything security-related.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in 0..n (n > 0), rejecting the few values that would bias the modulo.
    fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next();
            if x >= threshold {
                return x % n;
            }
        }
    }
}

/// A seed for unseeded rolls. The counter keeps two rolls in the same clock tick apart.
fn clock_seed() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    nanos ^ call.wrapping_mul(0xD1B5_4A32_D192_ED03)
}
