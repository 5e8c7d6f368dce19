"""Namespace for vit4j's PySpark module (dev.vit4j.spark), inside vit4j-spark.jar."""
