#define BOOST_TEST_MODULE locks
#include <boost/test/unit_test.hpp>

#include "okstra/locks/locks.hpp"

BOOST_AUTO_TEST_CASE(placeholder_parse) {
  BOOST_TEST(okstra::dirs::parse_task_key("a/b/c").task_id == "c");
}
