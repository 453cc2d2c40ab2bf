# Delivery latency (p50 solid, p99 dashed) against open streams, one colour
# per server, from the fan-out sweep of `benchmarks/run --sweep`:
#
#   sse-bench sweep-data RESULTS_DIR > sweep.dat
#   gnuplot -e "datafile='sweep.dat'; outfile='sweep.png'" benchmarks/plot.gp
#
# sweep.dat holds one block per server (blocks are separated by two blank
# lines); the first line of a block names its columns.

if (!exists("datafile")) datafile = "sweep.dat"
if (!exists("outfile")) outfile = "sweep.png"

set terminal pngcairo size 1000,620 noenhanced font ",11"
set output outfile
set title "SSE fan-out: delivery latency against open streams"
set xlabel "open streams"
set ylabel "delivery latency (ms, log scale)"
set logscale y
set grid xtics ytics mytics
set key outside right top
set xtics nomirror
set ytics nomirror

plot for [i=0:*] datafile index i using 1:2 with linespoints lw 2 pt 7 \
       lc i+1 title columnheader(2), \
     for [i=0:*] datafile index i using 1:3 with linespoints lw 2 dt 2 \
       pt 5 lc i+1 title columnheader(3)
