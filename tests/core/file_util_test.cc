#include "murr/core/file_util.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace murr {
namespace {

std::string Join(const std::vector<ConstSlice>& slices) {
  std::string out;
  for (const ConstSlice& s : slices) out.append(static_cast<const char*>(s.data), s.size);
  return out;
}

// Runs of short slices become one copy each; long slices are passed on uncopied; empty ones go.
TEST(CoalesceSlicesTest, CopiesRunsOfShortSlicesAndPassesLongOnesOn) {
  const std::string a = "ab", b = "cde", big1(10, 'x'), c = "f", big2(12, 'y'), d = "gh";
  std::vector<ConstSlice> in = {{a.data(), a.size()}, {"", 0},
                                {b.data(), b.size()}, {big1.data(), big1.size()},
                                {c.data(), c.size()}, {big2.data(), big2.size()},
                                {d.data(), d.size()}};
  std::string scratch = "left over";
  std::vector<ConstSlice> out = CoalesceSlices(in, 10, &scratch);
  EXPECT_EQ(Join(out), Join(in));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(scratch, "abcdefgh");
  EXPECT_TRUE(PointsInto(out[0], scratch));
  EXPECT_EQ(out[0].size, 5u);
  EXPECT_EQ(out[1].data, big1.data());
  EXPECT_TRUE(PointsInto(out[2], scratch));
  EXPECT_EQ(out[2].size, 1u);
  EXPECT_EQ(out[3].data, big2.data());
  EXPECT_TRUE(PointsInto(out[4], scratch));
  EXPECT_FALSE(PointsInto(out[1], scratch));

  // Everything short: one slice; nothing: none.
  out = CoalesceSlices(in, 100, &scratch);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Join(out), Join(in));
  EXPECT_TRUE(CoalesceSlices({}, 100, &scratch).empty());
  // Nothing short: the slices as they were, the empty one dropped.
  out = CoalesceSlices(in, 1, &scratch);
  EXPECT_EQ(out.size(), 6u);
  EXPECT_EQ(Join(out), Join(in));
  EXPECT_TRUE(scratch.empty());
}

}  // namespace
}  // namespace murr
