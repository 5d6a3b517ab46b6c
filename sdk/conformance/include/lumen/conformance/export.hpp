#pragma once
/// LUMEN_CONFORMANCE_API marks what liblumen_conformance.so exports (it is built with hidden
/// visibility).
#define LUMEN_CONFORMANCE_API __attribute__((visibility("default")))
