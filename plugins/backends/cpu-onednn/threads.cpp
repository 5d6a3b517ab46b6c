#include "threads.hpp"

#include <omp.h>

namespace lumen::cpu_onednn {

OmpThreads::OmpThreads(int threads) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(threads < 1 ? 1 : threads);
}

OmpThreads::~OmpThreads() { omp_set_num_threads(previous_); }

}  // namespace lumen::cpu_onednn
