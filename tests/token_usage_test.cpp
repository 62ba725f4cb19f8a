// The token_usage test program: this file holds the module definition; the
// cases live in token_usage_*_test.cpp, one file per part of the module.
#define BOOST_TEST_MODULE token_usage
#include <boost/test/unit_test.hpp>
