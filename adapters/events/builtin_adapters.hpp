#pragma once
// The adapters this project ships: every vendor's event adapter and webhook adapter, by the name a
// configuration gives. The plugin runtime hands this registry to the transport, the web endpoints
// and the configuration checks.
#include "plugin/core/adapter_registry.hpp"

namespace rightmoment {

const AdapterRegistry& builtin_adapters();

}  // namespace rightmoment
