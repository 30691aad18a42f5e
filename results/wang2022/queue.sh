#!/bin/sh
# The second background queue of the reproduction (see README.md); runs after/alongside qre-gradient.
S=results/wang2022/wang2022.sqlite
P=".venv/bin/python studies/reproduce_wang2022.py --full --store $S --workers 1 --no-progress"
$P --phases qre-mpec --instances 5
$P --phases security-gradient --instances 3 --ssg-targets 20
$P --phases cyber-mpec --instances 3
$P --phases qre-global-small,security-global-small,cyber-global-small --instances 3
$P --phases cyber-gradient --instances 2
$P --phases qre-blackbox --instances 1
