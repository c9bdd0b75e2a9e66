package org.ldm4j.training.data;

/** The first {@code size} examples of another dataset ({@link Dataset#limit}). */
final class LimitedDataset implements Dataset {
    private final Dataset base;
    private final long size;

    LimitedDataset(Dataset base, long size) {
        this.base = base;
        this.size = size;
    }

    @Override
    public Example get(long index) {
        checkIndex(index);
        return base.get(index);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int height() {
        return base.height();
    }

    @Override
    public int width() {
        return base.width();
    }

    @Override
    public int numClasses() {
        return base.numClasses();
    }

    @Override
    public String className(int label) {
        return base.className(label);
    }

    @Override
    public Dataset limit(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected a positive number of examples, got " + n);
        }
        return new LimitedDataset(base, Math.min(n, size));
    }

    @Override
    public String toString() {
        return base + ".limit(" + size + ")";
    }
}
