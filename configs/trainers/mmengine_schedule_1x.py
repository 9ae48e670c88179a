# The _base_ of mmengine_faster_rcnn_1x.py: the 1x schedule of an OpenMMLab detector
# (shaped like mmdet's _base_/schedules/schedule_1x.py):
# 12 epochs, a linear warmup over the first 500 iterations, the lr divided by 10 after epochs 8 and 11.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))

# Default setting for scaling the lr automatically: the base batch is 8 GPUs x 2 images.
auto_scale_lr = dict(enable=False, base_batch_size=16)
