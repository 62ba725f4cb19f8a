#define BOOST_TEST_MODULE dirs
#include <boost/test/unit_test.hpp>

#include "okstra/dirs/dirs.hpp"

BOOST_AUTO_TEST_CASE(placeholder_parse) {
  BOOST_TEST(okstra::dirs::parse_task_key("a/b/c").task_id == "c");
}
