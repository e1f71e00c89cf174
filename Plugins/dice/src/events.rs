//! Receiving events: each one is counted in the host's key-value store, and the events_seen
//! tool reports the count and the type of the last one.

use crate::abi::*;
use crate::json::{parse, parse_arguments, quote, Json};
use crate::Instance;

const COUNT_KEY: &str = "events/count";
const LAST_TYPE_KEY: &str = "events/last-type";

impl Instance {
    pub(crate) fn events_seen(&self, arguments: &[u8]) -> Result<String, Failure> {
        parse_arguments(arguments, &[], "events_seen")?;
        // Read both keys under the lock so the count and the type belong to the same event.
        let _guard = self.counter_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = self.read_counter()?;
        let last_type = match self.kv_get(LAST_TYPE_KEY)? {
            Some(bytes) => quote(&String::from_utf8_lossy(&bytes)),
            None => "null".to_string(),
        };
        Ok(format!("{{\"events_seen\":{},\"last_type\":{}}}", count, last_type))
    }

    pub(crate) fn handle_event(&self, envelope: &[u8]) -> Result<(), Failure> {
        // A malformed envelope will not improve on redelivery, so it is rejected for good.
        let envelope = parse(envelope)
            .map_err(|e| Failure::new(MK_ERR_REJECTED, format!("the event envelope is not valid JSON: {}", e)))?;
        let event_type = match envelope.get("type") {
            Some(Json::Str(t)) => t.clone(),
            _ => return Err(Failure::new(MK_ERR_REJECTED, "the event envelope has no \"type\" string")),
        };
        let event_id = match envelope.get("id") {
            Some(Json::Str(id)) => quote(id),
            _ => "null".to_string(),
        };

        {
            let _guard = self.counter_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let seen = self.read_counter()?.saturating_add(1);
            self.kv_put(COUNT_KEY, &seen.to_string())?;
            self.kv_put(LAST_TYPE_KEY, &event_type)?;
        }

        self.log(
            MK_LOG_INFO,
            "event received",
            &format!("{{\"type\":{},\"id\":{}}}", quote(&event_type), event_id),
        );
        Ok(())
    }

    /// The stored event count; a missing or unreadable value counts as zero.
    fn read_counter(&self) -> Result<u64, Failure> {
        Ok(self
            .kv_get(COUNT_KEY)?
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .unwrap_or(0))
    }
}
