/** Test support shared by the Spark modules: a shared local SparkSession and DataFrame assertions. */
package dev.ember.spark.testing;
