#include <tbb/task_arena.h>
#include <catch2/catch.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>

#include "naive_backend.hpp"

using namespace lumen;

TEST_CASE("random streams depend only on seed, sample and stream", "[context]") {
  Context a(testing::naive_backend(), 1, 42);
  Context b(testing::naive_backend(), 2, 42);
  Context c(testing::naive_backend(), 1, 43);
  CHECK(a.rng(3, 1)() == b.rng(3, 1)());
  CHECK(a.rng(3, 1)() != a.rng(4, 1)());
  CHECK(a.rng(3, 1)() != a.rng(3, 2)());
  CHECK(a.rng(3, 1)() != c.rng(3, 1)());
}

TEST_CASE("the context runs work in an arena of the requested size and can be cancelled",
          "[context][threaded]") {
  Context one(testing::naive_backend(), 1);
  Context two(testing::naive_backend(), 2);
  int seen = 0;
  one.run([&] { seen = tbb::this_task_arena::max_concurrency(); });
  CHECK(seen == 1);
  two.run([&] { seen = tbb::this_task_arena::max_concurrency(); });
  CHECK(seen == 2);
  std::vector<int> hits(100, 0);
  two.parallel_for(100, [&](std::int64_t i) { hits[static_cast<std::size_t>(i)] += 1; });
  CHECK(std::count(hits.begin(), hits.end(), 1) == 100);
  // Contexts share one arena per thread count; nesting another size still gets that size.
  two.run([&] {
    const Context inner(testing::naive_backend(), 1);
    inner.run([&] { seen = tbb::this_task_arena::max_concurrency(); });
  });
  CHECK(seen == 1);
  two.cancel();
  CHECK_THROWS_AS(two.parallel_for(10, [](std::int64_t) {}), Cancelled);
  // Cancelling one context does not reach another sharing its arena.
  const Context other(testing::naive_backend(), 2);
  CHECK_NOTHROW(other.parallel_for(10, [](std::int64_t) {}));
  CHECK_THROWS_AS(Context(nullptr), InvalidArgument);
}
