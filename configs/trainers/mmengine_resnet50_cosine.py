# An ImageNet ResNet-50 shaped like mmpretrain's resnet50_8xb256-coslr-preciseBN: 100 epochs, a
# 5-epoch linear warmup then a cosine to 1e-5, both counted in epochs but stepped every iteration.
# lrsched plot configs/trainers/mmengine_resnet50_cosine.py --dataset-size 1281167 --world-size 8
batch_per_gpu = 256
gpus = 8
warmup_epochs = 5
max_epochs = 100

model = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=50),
             head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048))

train_dataloader = dict(
    batch_size=batch_per_gpu,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='ImageNet', data_root='data/imagenet', split='train'))

# the linear scaling rule: 0.1 per 256 images
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1 * batch_per_gpu * gpus / 256, momentum=0.9,
                                    weight_decay=0.0001, nesterov=True))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=1.0e-5, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=2048)
