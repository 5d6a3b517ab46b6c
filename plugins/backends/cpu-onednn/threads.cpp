#include "threads.hpp"

#include <omp.h>

namespace lumen::cpu_onednn {

OmpThreads::OmpThreads(int threads)
    : threads_(threads < 1 ? 1 : threads), previous_(omp_get_max_threads()) {
  omp_set_num_threads(threads_);
}

OmpThreads::~OmpThreads() { omp_set_num_threads(previous_); }

}  // namespace lumen::cpu_onednn
