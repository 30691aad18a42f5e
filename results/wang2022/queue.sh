#!/bin/sh
# The commands that produced results/wang2022, in order, each block headed by the code it ran on
# (run from the repository root, at nice 10, on a shared 2-core machine, several at the same time;
# see README.md). The store is resumable, so each command only adds the cells that are missing.
# Commands marked "partial" were stopped before all their cells ran.
# on the code up to 53d1403 (the commit that added these first results):
S=results/wang2022/wang2022.sqlite
P=".venv/bin/python studies/reproduce_wang2022.py --full --store $S --no-progress"
$P --workers 2 --phases qre-gradient                       # 30 instances x budgets 1..5
$P --workers 1 --phases qre-mpec --instances 5             # all 4 Ipopt strategies, seeds 0..4
$P --workers 1 --phases qre-mpec-fast --instances 30       # nlp and penalty
$P --workers 1 --phases security-gradient --instances 3 --ssg-targets 20
$P --workers 2 --phases cyber-mpec --instances 3
$P --workers 2 --phases cyber-gradient --instances 1
$P --workers 2 --phases qre-global-small,security-global-small,cyber-global-small --instances 1
$P --workers 2 --phases cyber-blackbox,security-blackbox --instances 1 --ssg-targets 20
$P --workers 2 --phases qre-blackbox --instances 1 --blackbox-maxiter 3
.venv/bin/python studies/reproduce_wang2022.py --scaling --phases cyber-scaling,qre-scaling \
    --store results/wang2022/wang2022_scaling.sqlite --workers 1 --no-progress
# from 1ad874c (the tree moved to f5806f5 while these ran): the paper's size (5 x 100), 10 instances
$P --workers 2 --phases security-gradient --instances 10
$P --workers 2 --phases security-mpec --methods mpec-penalty --instances 10
$P --workers 2 --phases qre-gradient --instances 30 --retry  # the one errored QRE cell
$P --workers 2 --phases cyber-gradient,cyber-mpec --instances 30
# tables and figures from the stores (the paper-size and the reduced security games both appear)
$P --report-only
.venv/bin/python studies/reproduce_wang2022.py --scaling --report-only \
    --store results/wang2022/wang2022_scaling.sqlite
# on a copy frozen at 044ed19 (PYTHONPATH pointing at it): security seeds 10..29 (partial: 29
# instances at budget 1.0); on aa1fba1: the QRE runs that stopped as stationary, rerun; the 20-agent
# scaling cell rerun
$P --workers 2 --phases security-gradient --instances 30
$P --workers 1 --phases qre-gradient --methods gradient --instances 30 --retry locally_optimal
.venv/bin/python studies/reproduce_wang2022.py --scaling --phases cyber-scaling --retry \
    --store results/wang2022/wang2022_scaling.sqlite --workers 1 --no-progress
$P --report-only
# each command from a copy of the named commit (PYTHONPATH pointing at it): on 4102a48 the cyber
# black-box baselines on 30 instances (retrying the failed cells) and mpec-penalty on security seeds
# 10..29; on 66a6936 the missing security cell (budget 1.0, seed 19), mpec-nlp and mpec-smoothed-fb
# on the first security seeds (partial), the errored cyber gradient cells, slsqp/trust-constr on
# security seeds 0..9 and the all-zero leader on security seeds up to 99 (partial)
$P --workers 1 --phases cyber-blackbox --instances 30 --retry
$P --workers 1 --phases security-mpec --methods mpec-penalty --instances 30
$P --workers 1 --phases security-gradient --instances 30
$P --workers 1 --phases security-mpec --methods mpec-nlp,mpec-smoothed-fb --instances 10
$P --workers 1 --phases cyber-gradient --methods gradient --instances 30 --retry error
$P --workers 1 --phases security-blackbox --instances 10
$P --workers 1 --phases security-gradient --methods initial --instances 100
$P --report-only
# on fedaa10: the all-zero leader on 100 security seeds, the QRE continuation strategies and the
# security black-box baselines (both partial); on 511fec1 (the lifted MPEC): every Ipopt strategy
# on the 30 security instances, every earlier security MPEC cell rerun; on abe3a94: the errored
# cyber gradient cells
$P --workers 1 --phases security-gradient --methods initial --instances 100
$P --workers 1 --phases qre-mpec --methods mpec-scholtes,mpec-smoothed-fb --instances 30
$P --workers 2 --phases security-mpec --instances 30 \
    --retry optimal,locally_optimal,feasible,infeasible,iteration_limit,time_limit,error
$P --workers 1 --phases cyber-gradient --methods gradient --instances 30 --retry error
$P --report-only
# on 07bb77c (statuses judged at the recomputed equilibrium; multiplier estimates within the
# oracle's tolerance): the black-box baselines on the security seeds 10..29 and on QRE seeds 1..9
# (maxiter 3, as seed 0), then a rerun of the 24 cells whose stored status that rule changes
# (deleted first) and of the errored cyber gradient cells
$P --workers 1 --phases security-blackbox --instances 30
$P --workers 1 --phases qre-blackbox --blackbox-maxiter 3 --instances 10
sqlite3 $S "DELETE FROM results WHERE (status IN ('optimal', 'locally_optimal', 'feasible')
    AND violation > 1e-3) OR (method = 'gradient' AND status = 'iteration_limit'
    AND violation <= 1e-3)"
$P --workers 1 --phases cyber-gradient --methods gradient --instances 30 --retry error
$P --workers 1 --phases qre-gradient --methods gradient --instances 30
$P --workers 1 --phases security-mpec --methods mpec-scholtes,mpec-nlp --instances 30
$P --workers 1 --phases security-gradient --methods gradient --instances 30
$P --workers 2 --phases qre-blackbox --blackbox-maxiter 3 --instances 20
$P --workers 2 --phases qre-blackbox --blackbox-maxiter 3 --instances 30   # partial
$P --report-only
# on 9831726: the remaining QRE black-box cells (slsqp / trust-constr, maxiter 3)
$P --workers 2 --phases qre-blackbox --blackbox-maxiter 3 --instances 30
$P --report-only
# on ec87207: the paper's 20..200 actions with 2 followers
.venv/bin/python studies/reproduce_wang2022.py --scaling --phases qre-scaling-n2 \
    --store results/wang2022/wang2022_scaling.sqlite --workers 1 --no-progress
.venv/bin/python studies/reproduce_wang2022.py --scaling --report-only \
    --store results/wang2022/wang2022_scaling.sqlite
# on 096eb1c/eee0824: the security game's gradient method on the paper's 100 instances (seeds
# 30..99 added to 0..29), budget by budget, into a store of its own
for b in 1.0 0.6 0.2 0.8 0.4; do   # 0.8: partial, seeds 30..41
$P --workers 2 --phases security-gradient --methods gradient --seeds 30-99 --values $b \
    --store results/wang2022/security100.sqlite
done
sqlite3 -header -csv results/wang2022/security100.sqlite "SELECT seed, json_extract(params, '$.budget') AS budget, method, status, leader_objective, violation, wall_time, stackopt_version FROM results ORDER BY budget, method, seed" > results/wang2022/security100_cells.csv
# on 46afd11: the gradient method on seeds 42..99 at budget 0.8 (the loop above, resumed), then the
# paper's leader, who reimburses every defender on every target (security_game-all,
# --ssg-reimburse all)
$P --workers 2 --phases security-gradient --methods gradient --seeds 30-99 --values 0.8 \
    --store results/wang2022/security100.sqlite
A="--ssg-reimburse all"
$P $A --workers 2 --phases security-gradient --instances 30 --values 0.4
$P $A --workers 2 --phases security-mpec-fast --methods mpec-penalty --instances 30
$P $A --workers 2 --phases security-mpec-fast --methods mpec-penalty --seeds 30-99 \
    --store results/wang2022/security100.sqlite
$P $A --workers 2 --phases security-gradient --instances 30 --values 1.0
$P $A --workers 2 --phases security-gradient --methods gradient --seeds 30-99 --values 0.4 \
    --store results/wang2022/security100.sqlite
$P $A --workers 2 --phases security-gradient --methods gradient --seeds 30-99 --values 1.0 \
    --store results/wang2022/security100.sqlite   # partial: seeds 30-82
$P --report-only
sqlite3 -header -csv results/wang2022/security100.sqlite "SELECT game, seed, json_extract(params, '$.budget') AS budget, method, status, leader_objective, violation, wall_time, stackopt_version FROM results ORDER BY game, budget, method, seed" > results/wang2022/security100_cells.csv
# the gains under three counting rules (the paper's rows need its log, constrained_diffmulti.csv)
.venv/bin/python studies/security_gains.py results/wang2022/wang2022.sqlite \
    results/wang2022/security100.sqlite --paper-log constrained_diffmulti.csv
