// Events about a RedisPair: the reference every Event of the reconciler names (Event.regarding).
#pragma once

#include "controller/redispair.h"
#include "events/recorder.h"

namespace redispair {

// The RedisPair as the object its Events are about.
inline events::ObjectRef EventRef(const RedisPair& rp) {
  return {kApiVersion, kKind, rp.namespace_, rp.name, rp.uid};
}

}  // namespace redispair
