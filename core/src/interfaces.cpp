// Out-of-line destructors (key functions) of the interfaces plugins implement, so their
// typeinfo lives in liblumen_core.so.
#include "lumen/backend.hpp"
#include "lumen/explainer.hpp"
#include "lumen/importer.hpp"
#include "lumen/metric.hpp"
#include "lumen/registry.hpp"

namespace lumen {

Backend::~Backend() = default;
Explainer::~Explainer() = default;
Importer::~Importer() = default;
Metric::~Metric() = default;
Registrar::~Registrar() = default;

}  // namespace lumen
