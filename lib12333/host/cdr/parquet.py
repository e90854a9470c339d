"""
Native records to Parquet, partitioned by date and centre, for analysis at national scale (CPython, pyarrow).

    from lib12333.host.cdr.parquet import ParquetWriter
    w = ParquetWriter("calls/", tz_offset=28800)
    for record in importer: w.write(record)
    w.close()       # or w.abort() when the input failed

The output is a Hive-style dataset that DuckDB (``read_parquet('calls/**/*.parquet',
hive_partitioning = true)``), Spark, Trino and pandas read as one table:
``calls/date=2025-03-01/centre=330100/part-0-0.parquet``.  ``date`` is the local date of the
record's arrival (``tz_offset``), ``centre`` the 6-digit region code of the centre that took it
(``region``; ``000000`` when unknown).  The columns are in protocols/records/README.md.

Why pyarrow rather than DuckDB's ``COPY ... PARTITION_BY``: the records come out of a Python
importer one at a time; pyarrow turns a batch of Python values into columns and writes the
partitions as the batches stream past, so memory stays one batch whatever the input size,
while DuckDB would first need the whole input as a table (or an Arrow batch, i.e. pyarrow
anyway).  Callers are masked in every record, so nothing personal reaches the files.

A dataset appears whole or not at all: the parts are written into a hidden staging directory
beside the output (``.NAME.partial-XXXX``) that ``close()`` renames to the output path, so a
conversion killed half-way leaves no directory a reader could take for a complete dataset
(only the staging one, safe to delete).  The output path must not exist or be an empty
directory: writing into an existing dataset would replace some of its parts and keep others.
"""

import os
import shutil
import tempfile

from lib12333.dates import civil_from_days

BATCH = 65536


def schema():
    import pyarrow as pa

    ts = pa.timestamp("s", tz="UTC")
    return pa.schema([
        ("ref", pa.string()), ("channel", pa.string()), ("service", pa.int32()), ("region", pa.int32()),
        ("category", pa.string()), ("queue", pa.string()), ("arrival", ts), ("answer", ts), ("end", ts),
        ("outcome", pa.string()), ("agent", pa.string()), ("caller", pa.string()),
        ("date", pa.string()), ("centre", pa.string()),
    ])


class ParquetWriter:
    """Collect records in column batches and write each batch into its date/centre partitions."""

    def __init__(self, out_dir, tz_offset=28800, batch=BATCH):
        import pyarrow  # noqa: F401 -- fail now, not after reading the input

        self.out_dir = out_dir
        if os.path.lexists(out_dir) and not (os.path.isdir(out_dir) and not os.listdir(out_dir)):
            raise FileExistsError("%s exists and is not an empty directory (a Parquet dataset is written "
                                  "whole into a new directory)" % out_dir)
        parent, name = os.path.split(os.path.abspath(out_dir))
        self.staging = tempfile.mkdtemp(prefix="." + name + ".partial-", dir=parent)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.staging, 0o777 & ~umask)  # as mkdir would make it, not mkdtemp's 0700
        self.tz_offset = tz_offset
        self.batch = batch
        self.schema = schema()
        self.columns = [[] for _ in self.schema.names]
        self.written = 0
        self.partitions = set()
        self._batches = 0
        self._day = (None, None)

    def _date(self, t):
        day = (t + self.tz_offset) // 86400
        if self._day[0] != day:  # records arrive in time order: one date string per day
            y, m, d = civil_from_days(day)
            self._day = (day, "%04d-%02d-%02d" % (y, m, d))
        return self._day[1]

    def write(self, r):
        date = self._date(r.arrival)
        centre = "%06d" % r.region
        for column, value in zip(self.columns, (r.ref, r.channel, r.service, r.region, r.category, r.queue,
                                                r.arrival, r.answer, r.end, r.outcome, r.agent, r.caller,
                                                date, centre)):
            column.append(value)
        self.partitions.add((date, centre))
        if len(self.columns[0]) >= self.batch:
            self._flush()

    def _flush(self):
        import pyarrow as pa
        import pyarrow.dataset as ds

        if not self.columns[0]:
            return
        arrays = [pa.array(values, type=field.type) for values, field in zip(self.columns, self.schema)]
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        ds.write_dataset(table, self.staging, format="parquet",
                         partitioning=ds.partitioning(pa.schema([("date", pa.string()), ("centre", pa.string())]),
                                                      flavor="hive"),
                         basename_template="part-%d-{i}.parquet" % self._batches,
                         existing_data_behavior="overwrite_or_ignore", max_partitions=1 << 20)
        self._batches += 1
        self.written += len(self.columns[0])
        self.columns = [[] for _ in self.schema.names]

    def close(self):
        """Write what is left and put the dataset in place (one rename: readers see all of it or nothing)."""
        self._flush()
        if os.path.isdir(self.out_dir):
            os.rmdir(self.out_dir)  # empty (checked at the start); rmdir fails if something appeared since
        os.rename(self.staging, self.out_dir)

    def abort(self):
        """Remove what was written: the output path is left as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)
