// Decode-throughput harness around llama2.c run.c (commit bd18228, transformer(token,pos,...) API).
// Same method as ../shared/bench/llama2c_fwd_bench.c (which targets the newer run.c API): mmap the model as run.c's main does, greedy
// decode exactly STEPS positions from BOS (never stopping early), 2 warm-up reps, median tok/s over REPS
// with a ns clock. Prints "tok/s median ...", then "ids: <first NIDS greedy ids after BOS>", then
// "tps: <every timed rep's wall tok/s>" and "cpu: <every rep's tok per process-CPU second>".
// Build: gcc -Ofast -march=native [-fopenmp] fwd_bench.c -lm -o fwd_omp
// Run:   OMP_NUM_THREADS=N ./fwd_omp model.bin [steps=256] [reps=21] [nids=32]
#define main run_main
#include "run.c"
#undef main

static double cpu_s(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static double now_s(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmpd(const void* a, const void* b) { double x = *(const double*)a, y = *(const double*)b; return (x > y) - (x < y); }

int main(int argc, char** argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s model.bin [steps] [reps] [nids]\n", argv[0]); return 1; }
    int steps = argc > 2 ? atoi(argv[2]) : 256, reps = argc > 3 ? atoi(argv[3]) : 21, nids = argc > 4 ? atoi(argv[4]) : 32;
    Config config; TransformerWeights weights;
    FILE* file = fopen(argv[1], "rb");
    if (!file) { fprintf(stderr, "Couldn't open file %s\n", argv[1]); return 1; }
    if (fread(&config, sizeof(Config), 1, file) != 1) { fprintf(stderr, "short header\n"); return 1; }
    int shared_weights = config.vocab_size > 0 ? 1 : 0;
    config.vocab_size = abs(config.vocab_size);
    fseek(file, 0, SEEK_END); ssize_t file_size = ftell(file); fclose(file);
    int fd = open(argv[1], O_RDONLY);
    if (fd == -1) { fprintf(stderr, "open failed\n"); return 1; }
    float* data = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) { fprintf(stderr, "mmap failed\n"); return 1; }
    checkpoint_init_weights(&weights, &config, data + sizeof(Config) / sizeof(float), shared_weights);
    if (steps > config.seq_len) steps = config.seq_len;
    if (nids > steps) nids = steps;
    RunState state; malloc_run_state(&state, &config);
    double* tps = malloc(sizeof(double) * reps);
    double* all = malloc(sizeof(double) * reps);
    double* cpu = malloc(sizeof(double) * reps);
    int* ids = malloc(sizeof(int) * steps);
    for (int r = -2; r < reps; r++) {           // 2 warm-up repetitions (page-in of the mmapped weights)
        int token = 1; double t0 = now_s(), c0 = cpu_s();
        for (int pos = 0; pos < steps; pos++) {
            transformer(token, pos, &config, &state, &weights);
            token = argmax(state.logits, config.vocab_size);
            ids[pos] = token;
        }
        double dt = now_s() - t0, dc = cpu_s() - c0;
        if (r >= 0) { tps[r] = all[r] = steps / dt; cpu[r] = steps / dc; }
    }
    qsort(tps, reps, sizeof(double), cmpd);
    printf("%s: dim=%d layers=%d vocab=%d steps=%d  tok/s median %.1f (min %.1f max %.1f, n=%d)\n", argv[1],
           config.dim, config.n_layers, config.vocab_size, steps, tps[reps / 2], tps[0], tps[reps - 1], reps);
    printf("ids:");
    for (int i = 0; i < nids; i++) printf(" %d", ids[i]);
    printf("\ntps:");
    for (int r = 0; r < reps; r++) printf(" %.1f", all[r]);
    printf("\ncpu:");
    for (int r = 0; r < reps; r++) printf(" %.1f", cpu[r]);
    printf("\n");
    free_run_state(&state); free(tps); free(all); free(cpu); free(ids);
    munmap(data, file_size); close(fd);
    return 0;
}
