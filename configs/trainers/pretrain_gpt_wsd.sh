#!/bin/bash
# A Megatron-LM pretraining launch: warmup-stable-decay counted in samples.
GPUS_PER_NODE=8
GLOBAL_BATCH=1024
TRAIN_SAMPLES=48828125     # about 100B tokens at 2048 tokens per sample

GPT_ARGS="--num-layers 24 --hidden-size 2048 --num-attention-heads 16 \
    --seq-length 2048 --max-position-embeddings 2048 \
    --micro-batch-size 4 --global-batch-size $GLOBAL_BATCH"

torchrun --nproc_per_node $GPUS_PER_NODE pretrain_gpt.py \
    $GPT_ARGS \
    --train-samples $TRAIN_SAMPLES \
    --lr 3e-4 \
    --min-lr 3e-5 \
    --lr-decay-style WSD \
    --lr-wsd-decay-style minus_sqrt \
    --lr-warmup-samples 2048000 \
    --lr-wsd-decay-samples 9765625 \
    --weight-decay 0.1 \
    --clip-grad 1.0 \
    --bf16
