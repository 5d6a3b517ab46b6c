#include "naive_backend.hpp"

#include "cpu_naive_backend.hpp"

namespace lumen::testing {

std::shared_ptr<const Backend> naive_backend() {
  static const auto backend = cpu_naive::make_backend();
  return backend;
}

}  // namespace lumen::testing
