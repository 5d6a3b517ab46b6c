#include <catch2/catch.hpp>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>

using namespace lumen;
using Catch::Contains;

TEST_CASE("dataset names are KIND:LOCATION?name=value&...", "[dataset][parsing]") {
  const DatasetSpec a = parse_dataset_spec("mstar:/data/mstar?size=64&magnitude=db");
  CHECK(a.kind == "mstar");
  CHECK(a.location == "/data/mstar");
  CHECK(a.options == std::map<std::string, std::string>{{"size", "64"}, {"magnitude", "db"}});
  const DatasetSpec b = parse_dataset_spec("synthetic-sar:?n=2000&seed=1");
  CHECK(b.kind == "synthetic-sar");
  CHECK(b.location.empty());
  CHECK(b.options.size() == 2);
  const DatasetSpec c = parse_dataset_spec("folder:images/train");
  CHECK(c.location == "images/train");
  CHECK(c.options.empty());
  CHECK(parse_dataset_spec("npy:a:b.npy").location == "a:b.npy");  // only the first ':' splits
  CHECK(parse_dataset_spec("npy:x.npy?").options.empty());
}

TEST_CASE("malformed dataset names are refused, quoting them", "[dataset][parsing]") {
  CHECK_THROWS_WITH(parse_dataset_spec("/data/mstar"),
                    Contains("'/data/mstar'") && Contains("KIND:LOCATION"));
  CHECK_THROWS_WITH(parse_dataset_spec(":x"), Contains("KIND:LOCATION"));
  CHECK_THROWS_WITH(parse_dataset_spec("mstar:d?size"), Contains("'size' is not name=value"));
  CHECK_THROWS_WITH(parse_dataset_spec("mstar:d?=3"), Contains("not name=value"));
  CHECK_THROWS_WITH(parse_dataset_spec("mstar:d?size=1&size=2"), Contains("'size' is given twice"));
}
