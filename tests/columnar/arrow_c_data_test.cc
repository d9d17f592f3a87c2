// The Arrow C data interface export: formats, the layout a consumer sees, and ownership (the
// batch lives until the last released struct; released children are not released again). The
// sanitizer build's leak check catches a struct or holder that is never freed.
#include "murr/columnar/arrow_c_data.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace murr {
namespace {

std::shared_ptr<const Batch> SampleBatch() {
  auto batch = std::make_shared<Batch>();
  ColumnBuilder ints(DataType::kInt64);
  ints.Append<int64_t>(7);
  ints.AppendNull();
  ints.Append<int64_t>(-1);
  ColumnBuilder names(DataType::kUtf8);
  EXPECT_TRUE(names.AppendString("a").ok());
  EXPECT_TRUE(names.AppendString("").ok());
  EXPECT_TRUE(names.AppendString("xyz").ok());
  batch->fields = {{"n", DataType::kInt64, true}, {"s", DataType::kUtf8, false}};
  batch->columns = {ints.Finish(), names.Finish()};
  batch->num_rows = 3;
  EXPECT_TRUE(batch->Validate().ok());
  return batch;
}

TEST(ArrowCDataTest, FormatsFollowTheSpecification) {
  EXPECT_EQ(ArrowCFormat(DataType::kUtf8), "u");
  EXPECT_EQ(ArrowCFormat(DataType::kFloat32), "f");
  EXPECT_EQ(ArrowCFormat(DataType::kFloat16), "e");
  EXPECT_EQ(ArrowCFormat(DataType::kUInt64), "L");
  EXPECT_EQ(ArrowCFormat(DataType::kDate32), "tdD");
  EXPECT_EQ(ArrowCFormat(DataType::kBinary), "z");
  EXPECT_EQ(ArrowCFormat(DataType::kTimestampUs), "tsu:");
  EXPECT_EQ(ArrowCFormat(DataType::FixedSizeList(TypeId::kFloat32, 768)), "+w:768");
}

TEST(ArrowCDataTest, ASchemaAndAnArrayPointIntoTheBatch) {
  std::shared_ptr<const Batch> batch = SampleBatch();
  ArrowSchema schema;
  ExportSchema(batch->fields, &schema);
  EXPECT_STREQ(schema.format, "+s");
  ASSERT_EQ(schema.n_children, 2);
  EXPECT_STREQ(schema.children[0]->format, "l");
  EXPECT_STREQ(schema.children[0]->name, "n");
  EXPECT_EQ(schema.children[0]->flags, ARROW_FLAG_NULLABLE);
  EXPECT_STREQ(schema.children[1]->format, "u");
  EXPECT_EQ(schema.children[1]->flags, 0);

  ArrowArray array;
  ExportBatch(batch, &array);
  EXPECT_EQ(array.length, 3);
  EXPECT_EQ(array.n_buffers, 1);
  ASSERT_EQ(array.n_children, 2);
  const ArrowArray* n = array.children[0];
  EXPECT_EQ(n->null_count, 1);
  ASSERT_EQ(n->n_buffers, 2);
  EXPECT_EQ(n->buffers[1], batch->columns[0].values.data());  // no copy
  EXPECT_EQ(n->buffers[0], batch->columns[0].validity.data());
  const ArrowArray* s = array.children[1];
  ASSERT_EQ(s->n_buffers, 3);
  EXPECT_EQ(s->buffers[0], nullptr);  // no nulls: no bitmap
  const int32_t* offsets = static_cast<const int32_t*>(s->buffers[1]);
  const char* bytes = static_cast<const char*>(s->buffers[2]);
  EXPECT_EQ(std::string(bytes + offsets[2], offsets[3] - offsets[2]), "xyz");

  // A consumer may move a child out and release it on its own; the parent then skips it.
  ArrowArray moved = *array.children[1];
  array.children[1]->release = nullptr;
  std::weak_ptr<const Batch> weak = batch;
  batch.reset();
  array.release(&array);
  EXPECT_EQ(array.release, nullptr);
  EXPECT_FALSE(weak.expired());  // the moved child still holds the batch
  moved.release(&moved);
  EXPECT_TRUE(weak.expired());
  schema.release(&schema);
  EXPECT_EQ(schema.release, nullptr);
}

TEST(ArrowCDataTest, AFixedSizeListHasOneItemChild) {
  auto batch = std::make_shared<Batch>();
  Column c;
  c.type = DataType::FixedSizeList(TypeId::kFloat32, 2);
  c.length = 2;
  float values[4] = {1, 2, 3, 4};
  c.values = Buffer::Copy(values, sizeof(values));
  batch->fields = {{"e", c.type, true}};
  batch->columns = {c};
  batch->num_rows = 2;
  ArrowSchema schema;
  ExportSchema(batch->fields, &schema);
  ASSERT_EQ(schema.children[0]->n_children, 1);
  EXPECT_STREQ(schema.children[0]->format, "+w:2");
  EXPECT_STREQ(schema.children[0]->children[0]->format, "f");
  ArrowArray array;
  ExportBatch(batch, &array);
  const ArrowArray* list = array.children[0];
  EXPECT_EQ(list->n_buffers, 1);
  ASSERT_EQ(list->n_children, 1);
  EXPECT_EQ(list->children[0]->length, 4);
  EXPECT_EQ(list->children[0]->buffers[1], batch->columns[0].values.data());
  array.release(&array);
  schema.release(&schema);
}

}  // namespace
}  // namespace murr
